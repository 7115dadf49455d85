/**
 * Checkpoint folders in the Explorer carry a badge (robust accuracy in %, else standard) and a
 * tooltip; the decoration is recomputed when the folder's metrics.json or manifest.json changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointMetrics } from '../../shared/workerProtocol';
import { checkpointBadge } from '../artifacts/describe';
import { readJson } from '../artifacts/scan';
import { isCheckpointDir } from './resolvePath';

export class CheckpointDecorationProvider implements vscode.FileDecorationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;

  /** A file in `dir` changed: its decoration may have. */
  refreshDir(dir: vscode.Uri): void {
    this.changed.fire(dir);
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file' || !isCheckpointDir(uri.fsPath)) return undefined;
    const m = readJson<CheckpointMetrics>(path.join(uri.fsPath, 'metrics.json'));
    if (!m || typeof m.standardAcc !== 'number') return undefined;
    const { badge, tooltip } = checkpointBadge(m);
    const d = new vscode.FileDecoration(badge, tooltip);
    if (m.training === 'adversarial') d.color = new vscode.ThemeColor('charts.green');
    return d;
  }
}
