/**
 * Workspace Trust (package.json capabilities.untrustedWorkspaces: limited): in Restricted Mode
 * results can be looked at, but nothing is computed, because a job reads workspace-chosen paths
 * and settings and writes files. Every command that starts a job asks here first.
 */
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE =
  'Robust Features: jobs do not run in Restricted Mode. Trust this workspace to train or build datasets.';

export function jobsAllowed(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust')
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}
