/**
 * Typed access to the `robustFeatures.*` settings. Read at the moment of use (never cached),
 * so a changed setting applies to the next job without a reload.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackendChoice } from '../shared/workerProtocol';

const SECTION = 'robustFeatures';
const BACKENDS: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];
export const DEFAULT_DATA_PATH = '/usr/share/datasets/fashion-mnist';

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
export function dataSpecSetting(): string {
  const v =
    vscode.workspace.getConfiguration(SECTION).get<string>('dataPath', DEFAULT_DATA_PATH).trim() ||
    DEFAULT_DATA_PATH;
  if (/^[a-z0-9-]+:/i.test(v) && !/^[a-z]:[\\/]/i.test(v)) return v; // has a scheme (but is not a Windows drive)
  return v === DEFAULT_DATA_PATH ? 'fashion-mnist' : `fashion-mnist:${v}`;
}

/** The runs folder as an absolute path, or undefined when no folder is open to anchor a relative one. */
export function runsFolder(): string | undefined {
  const v =
    vscode.workspace.getConfiguration(SECTION).get<string>('runsFolder', 'runs').trim() || 'runs';
  if (path.isAbsolute(v)) return v;
  const ws = vscode.workspace.workspaceFolders?.[0];
  return ws && ws.uri.scheme === 'file' ? path.join(ws.uri.fsPath, v) : undefined;
}
