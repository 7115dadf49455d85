/**
 * Typed access to the `robustFeatures.*` settings. Read at the moment of use (never cached),
 * so a changed setting applies to the next job without a reload. In a multi-root workspace the
 * resource-scoped settings (dataPath, runsFolder) are read for the folder a command acts in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendChoice } from '../shared/workerProtocol';

const SECTION = 'robustFeatures';
const BACKENDS: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
export const DEFAULT_DATA_PATH = '/usr/share/datasets/fashion-mnist';

/** The workspace folder a command acts in: the resource's, else the active editor's, else the first. */
export function folderFor(scope?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  const uri = scope ?? vscode.window.activeTextEditor?.document.uri;
  return (
    (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0]
  );
}

const settings = (scope?: vscode.Uri) =>
  vscode.workspace.getConfiguration(SECTION, scope ?? folderFor()?.uri);

export function backendSetting(): BackendChoice {
  const v = vscode.workspace.getConfiguration(SECTION).get<string>('backend', 'auto');
  return (BACKENDS as readonly string[]).includes(v) ? (v as BackendChoice) : 'auto';
}

export function poolSizeSetting(): number {
  const v = vscode.workspace.getConfiguration(SECTION).get<number>('poolSize', 1);
  return Number.isFinite(v) && v >= 1 ? Math.min(8, Math.floor(v)) : 1;
}

/**
 * A positive number the user set explicitly (user or workspace settings), else undefined: then
 * the worker client's default applies, which the RFL_WORKER_* environment variables can override.
 */
function explicitPositive(key: string): number | undefined {
  const i = vscode.workspace.getConfiguration(SECTION).inspect<number>(key);
  const v = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** `workerHangTimeoutSeconds`, in ms: a worker silent this long is killed and its job failed. */
export function workerHangTimeoutMsSetting(): number | undefined {
  const s = explicitPositive('workerHangTimeoutSeconds');
  return s === undefined ? undefined : s * 1000;
}

/** `workerHeapMB`: the worker's V8 heap limit; running out fails the job as out of memory. */
export function workerHeapMBSetting(): number | undefined {
  return explicitPositive('workerHeapMB');
}

/**
 * The engine's dataset spec for the `dataPath` setting: a spec with a scheme
 * ('cifar10:/x', 'folder:/x', 'npy:/x') passes through; a bare folder means Fashion-MNIST IDX files.
 */
export function dataSpecSetting(scope?: vscode.Uri): string {
  const v = dataPathSetting(scope);
  if (hasScheme(v)) return v;
  return v === DEFAULT_DATA_PATH ? 'fashion-mnist' : `fashion-mnist:${v}`;
}

function dataPathSetting(scope?: vscode.Uri): string {
  return settings(scope).get<string>('dataPath', DEFAULT_DATA_PATH).trim() || DEFAULT_DATA_PATH;
}

/** 'cifar10:/x', 'folder:/x', 'npy:/x' have a scheme; a Windows drive 'C:\\x' does not. */
const hasScheme = (v: string): boolean => /^[a-z0-9-]+:/i.test(v) && !/^[a-z]:[\\/]/i.test(v);

/**
 * Why the dataPath setting cannot work here (its folder does not exist), with how to fix it; or
 * undefined. The default is Debian's dataset-fashion-mnist folder, missing on other systems.
 */
export function dataPathProblem(scope?: vscode.Uri): string | undefined {
  const v = dataPathSetting(scope);
  const folder = hasScheme(v) ? v.slice(v.indexOf(':') + 1) : v;
  if (fs.existsSync(folder)) return undefined;
  const where =
    v === DEFAULT_DATA_PATH
      ? `${DEFAULT_DATA_PATH} (where Debian's dataset-fashion-mnist package puts Fashion-MNIST) does not exist on this machine`
      : `the dataset folder ${folder} (robustFeatures.dataPath) does not exist`;
  return `Robust Features: ${where}. Choose the folder holding the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, …) with "Locate Data…", or set robustFeatures.dataPath.`;
}

/** The runs folder as an absolute path, or undefined when no folder is open to anchor a relative one. */
export function runsFolder(scope?: vscode.Uri): string | undefined {
  const v = settings(scope).get<string>('runsFolder', 'runs').trim() || 'runs';
  if (path.isAbsolute(v)) return v;
  const ws = folderFor(scope);
  return ws && ws.uri.scheme === 'file' ? path.join(ws.uri.fsPath, v) : undefined;
}
