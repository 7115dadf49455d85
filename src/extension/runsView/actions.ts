/** Context actions of the Runs view: reveal in the Explorer, delete (after a modal confirmation). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nodeUri } from './tree';

export async function revealRun(arg: unknown): Promise<void> {
  const uri = nodeUri(arg);
  if (uri) await vscode.commands.executeCommand('revealInExplorer', uri);
}

/** `confirm: false` (tests only) skips the modal; the folder goes to the trash where possible. */
export async function deleteRun(arg: unknown, opts?: { confirm?: boolean }): Promise<boolean> {
  const uri = nodeUri(arg);
  if (!uri) return false;
  if (opts?.confirm !== false) {
    const ok = await vscode.window.showWarningMessage(
      `Delete ${path.basename(uri.fsPath)}?`,
      { modal: true, detail: `${uri.fsPath} and everything in it will be deleted.` },
      'Delete',
    );
    if (ok !== 'Delete') return false;
  }
  try {
    await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
  } catch {
    await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
  }
  return true;
}
