/** Which run folder a command works on, when it was not given one: found in the workspace, or chosen. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findConstructed } from './datasets';

const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.vscode-ci*/**}';

export function asFolder(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string' && arg.length > 0) return path.resolve(arg);
  return undefined;
}

async function choose(candidates: string[], what: string): Promise<string | undefined> {
  const unique = [...new Set(candidates)].sort();
  if (unique.length === 1) return unique[0];
  if (unique.length > 1) {
    const items = unique.map((f) => ({
      label: vscode.workspace.asRelativePath(f),
      description: f,
      folder: f,
    }));
    return (await vscode.window.showQuickPick(items, { placeHolder: `Choose ${what}` }))?.folder;
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: `Open ${what}`,
  });
  return picked?.[0]?.fsPath;
}

/** A folder with results.json or checkpoints (reproduction folder). */
export async function pickResultsFolder(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles('**/results.json', EXCLUDE, 50);
  return choose(
    files.map((f) => path.dirname(f.fsPath)),
    'a reproduction folder (results.json)',
  );
}

/** A folder holding constructed datasets, or one such dataset. */
export async function pickGalleryFolder(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles('**/manifest.json', EXCLUDE, 500);
  const parents = new Set<string>();
  for (const f of files) {
    const dir = path.dirname(f.fsPath);
    try {
      if (!fs.readFileSync(f.fsPath, 'utf8').includes('"constructed-dataset"')) continue;
    } catch {
      continue;
    }
    parents.add(findConstructed(path.dirname(dir)).length > 0 ? path.dirname(dir) : dir);
  }
  // Gradient runs (robust-features gradients) show in the gallery too.
  for (const f of await vscode.workspace.findFiles('**/gradients-standard.png', EXCLUDE, 100))
    parents.add(path.dirname(f.fsPath));
  return choose([...parents], 'a run folder with constructed datasets or gradient maps');
}

/** A theory run (theory.json, from Show Gaussian Theory or robust-features theory). */
export async function pickTheoryFolder(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles('**/theory.json', EXCLUDE, 50);
  return choose(
    files.map((f) => path.dirname(f.fsPath)),
    'a theory run (theory.json)',
  );
}
