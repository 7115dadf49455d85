/**
 * Quick picks over what the workspace already holds: checkpoints and constructed datasets found
 * by their manifest.json under the runs folder and the workspace folders.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsFolder } from '../config';
import { describeArtifact } from '../artifacts/describe';
import { scanArtifacts, type Artifact, type ArtifactKind } from '../artifacts/scan';

export function artifactRoots(): string[] {
  const roots = new Set<string>();
  const runs = runsFolder();
  if (runs) roots.add(runs);
  // Multi-root: every folder, with its own runs folder setting.
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    if (f.uri.scheme !== 'file') continue;
    roots.add(f.uri.fsPath);
    const own = runsFolder(f.uri);
    if (own) roots.add(own);
  }
  return [...roots];
}

export function findArtifacts(
  kind: ArtifactKind,
  filter: (a: Artifact) => boolean = () => true,
): Artifact[] {
  return scanArtifacts(artifactRoots()).filter((a) => a.kind === kind && filter(a));
}

function relative(dir: string): string {
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws ? path.relative(ws.uri.fsPath, dir) || '.' : dir;
}

/**
 * A checkpoint folder: the user picks among those found, `prefer` ones first (e.g. adversarially
 * trained for D_R), or browses for a folder. Undefined when dismissed.
 */
export async function pickCheckpoint(
  title: string,
  prefer?: (a: Artifact) => boolean,
): Promise<string | undefined> {
  const found = findArtifacts('checkpoint');
  const sorted = prefer ? [...found.filter(prefer), ...found.filter((a) => !prefer(a))] : found;
  if (sorted.length === 0) {
    const choice = await vscode.window.showWarningMessage(
      `Robust Features: no checkpoint found under ${artifactRoots().join(', ')}. Train one first (Robust Features: Train Model), or pick its folder.`,
      'Train Model',
      'Browse…',
    );
    if (choice === 'Train Model') void vscode.commands.executeCommand('robustFeatures.trainModel');
    return choice === 'Browse…' ? browseFolder(title) : undefined;
  }
  const items: (vscode.QuickPickItem & { dir?: string })[] = sorted.map((a) => ({
    label: path.basename(a.dir),
    description: describeArtifact(a),
    detail: relative(a.dir),
    dir: a.dir,
  }));
  items.push({ label: '$(folder-opened) Browse…', description: 'a checkpoint folder elsewhere' });
  const pick = await vscode.window.showQuickPick(items, {
    title,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  return pick.dir ?? browseFolder(title);
}

async function browseFolder(title: string): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    title,
    openLabel: 'Use folder',
  });
  return uris?.[0]?.fsPath;
}

export async function pickNumber(
  title: string,
  value: number,
  opts: { integer?: boolean; min?: number } = {},
): Promise<number | undefined> {
  const v = await vscode.window.showInputBox({
    title,
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (s) => {
      const x = Number(s.trim());
      if (!s.trim() || !Number.isFinite(x)) return 'a number';
      if (opts.integer && !Number.isInteger(x)) return 'a whole number';
      if (opts.min !== undefined && x < opts.min) return `at least ${opts.min}`;
      return undefined;
    },
  });
  return v === undefined ? undefined : Number(v.trim());
}
