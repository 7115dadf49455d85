/** Hovering a checkpoint's path in any text file shows its metrics.json (checkpoints/describe). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointMetrics } from '../../shared/workerProtocol';
import { checkpointHoverMarkdown } from '../artifacts/describe';
import { readJson } from '../artifacts/scan';
import { runsFolder } from '../config';
import { resolveCheckpoint, tokenAt } from './resolvePath';
import { parseExperiment } from '../../shared/experiment';
import { experimentOutDir } from '../experiment/resolve';

/** In an experiment file, a step's `out` name ("checkpoint": "standard") names a folder of its output. */
function experimentBases(doc: vscode.TextDocument): string[] {
  if (!doc.uri.path.endsWith('.rfl.json') || doc.uri.scheme !== 'file') return [];
  const x = parseExperiment(doc.getText()).experiment;
  if (!x) return [];
  const ws =
    vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
  return [
    experimentOutDir(x, {
      fileDir: path.dirname(doc.uri.fsPath),
      workspaceDir: ws,
      runsFolder: runsFolder(doc.uri) ?? path.join(ws, 'runs'),
      defaultData: '',
    }),
  ];
}

export class CheckpointHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const line = doc.lineAt(pos.line).text;
    if (line.length > 10_000) return undefined;
    const tok = tokenAt(line, pos.character);
    if (!tok) return undefined;
    const bases = [
      ...(doc.uri.scheme === 'file' ? [path.dirname(doc.uri.fsPath)] : []),
      ...(vscode.workspace.workspaceFolders ?? [])
        .filter((f) => f.uri.scheme === 'file')
        .map((f) => f.uri.fsPath),
      ...(runsFolder() ? [runsFolder()!] : []),
      ...experimentBases(doc),
    ];
    const dir = resolveCheckpoint(tok.text, bases);
    if (!dir) return undefined;
    // Read at hover time, never cached: a hover always shows the metrics as they are now.
    const m = readJson<CheckpointMetrics>(path.join(dir, 'metrics.json'));
    if (!m || typeof m.standardAcc !== 'number') return undefined;
    const md = new vscode.MarkdownString(checkpointHoverMarkdown(dir, m));
    md.supportThemeIcons = true;
    return new vscode.Hover(md, new vscode.Range(pos.line, tok.start, pos.line, tok.end));
  }
}
