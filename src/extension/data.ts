/**
 * Locate Data…: a folder picker for the dataset, which it checks and writes into the
 * robustFeatures.dataPath setting; and the check every job that reads the default dataset runs
 * first, so that a missing folder is reported with its fix before a worker starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dataPathProblem, folderFor } from './config';
import { updateDataContext } from './contextKeys';

/** What a chosen folder holds, as a dataPath value; undefined when it holds no dataset we read. */
export function dataPathFor(folder: string): string | undefined {
  const names = new Set(fs.readdirSync(folder));
  const has = (f: string) => names.has(f) || names.has(`${f}.gz`);
  if (has('train-images-idx3-ubyte') && has('train-labels-idx1-ubyte')) return folder;
  if (names.has('data_batch_1.bin') || names.has('cifar-10-batches-bin'))
    return `cifar10:${folder}`;
  if (names.has('images.npy') && names.has('labels.npy')) return `npy:${folder}`;
  return undefined;
}

export async function locateDataCommand(picked?: vscode.Uri): Promise<string | undefined> {
  let uri = picked;
  if (!uri) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title: 'Robust Features: the folder holding Fashion-MNIST (or CIFAR-10 binary batches)',
      openLabel: 'Use This Folder',
    });
    uri = chosen?.[0];
  }
  if (!uri) return undefined;
  const folder = uri.fsPath;
  let value: string | undefined;
  try {
    value = dataPathFor(folder);
  } catch (e) {
    void vscode.window.showErrorMessage(
      `Robust Features: cannot read ${folder}: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
  if (!value) {
    void vscode.window.showErrorMessage(
      `Robust Features: ${folder} holds no dataset: expected Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-…), CIFAR-10 binary batches (data_batch_1.bin, …) or images.npy + labels.npy.`,
    );
    return undefined;
  }
  // dataPath is machine-overridable: the folder's settings when one is open, else the user's.
  const ws = folderFor();
  await vscode.workspace
    .getConfiguration('robustFeatures', ws?.uri)
    .update(
      'dataPath',
      value,
      ws ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global,
    );
  updateDataContext();
  void vscode.window.showInformationMessage(
    `Robust Features: data from ${path.basename(folder)} (robustFeatures.dataPath = ${value}).`,
  );
  return value;
}

/** false (after saying why and offering the picker) when the dataPath setting cannot work. */
export function ensureDataFound(scope?: vscode.Uri): boolean {
  const problem = dataPathProblem(scope);
  if (!problem) return true;
  void vscode.window.showErrorMessage(problem, 'Locate Data…').then((choice) => {
    if (choice) void vscode.commands.executeCommand('robustFeatures.locateData');
  });
  return false;
}
