/**
 * Paths that arrive from a webview (issue 9 part 4): a webview's script is ours, but what it
 * posts is treated as untrusted input. Each path is resolved through the file system (realpath:
 * `..` segments and symlinks are followed) and must lie inside one of the workspace's run folders
 * (the runs folder setting and the workspace folders), or the message is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsFolder } from '../config';
import type { ImageRef, WebviewMessage } from '../../shared/webviewProtocol';

export class PathRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

/** The roots a webview may name: the runs folder and every workspace folder on disk. */
export function runRoots(): string[] {
  const roots = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => f.uri.fsPath);
  const runs = runsFolder();
  if (runs) roots.push(runs);
  return [...new Set(roots)];
}

function real(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return undefined;
  }
}

const inside = (child: string, root: string) =>
  child === root || child.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** The real path of `p` when it lies inside a root; throws PathRefusedError saying why not. */
export function resolveInside(p: string, roots: readonly string[]): string {
  if (!path.isAbsolute(p)) throw new PathRefusedError(`refused path "${p}": not absolute`);
  const target = real(p);
  if (!target) throw new PathRefusedError(`refused path "${p}": it does not exist`);
  const realRoots = roots.map(real).filter((r): r is string => !!r);
  if (!realRoots.some((r) => inside(target, r)))
    throw new PathRefusedError(
      `refused path "${p}": it resolves to ${target}${target !== path.resolve(p) ? ' (through a symlink)' : ''}, outside the workspace's run folders (${realRoots.join(', ') || 'none open'})`,
    );
  return target;
}

/** Every file path a message carries (the ImageRefs of openDiff). */
export function messagePaths(m: WebviewMessage): string[] {
  const refs: ImageRef[] = m.type === 'openDiff' ? [m.a, m.b] : [];
  return refs.map((r) => r.folder);
}

/** Throws PathRefusedError when any path of the message lies outside the roots. */
export function checkMessagePaths(m: WebviewMessage, roots: readonly string[] = runRoots()): void {
  for (const p of messagePaths(m)) resolveInside(p, roots);
}
