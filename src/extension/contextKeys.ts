/**
 * The extension's context keys, for `when` and `enablement` clauses in package.json:
 * - robustFeatures.jobRunning: a job is queued or running (Cancel Job is enabled only then);
 * - robustFeatures.dataFound: the dataPath setting's folder exists (walkthrough step 1);
 * - robustFeatures.hasCheckpoints / hasDatasets / hasReproductions: such runs exist;
 * - robustFeatures.checkpointFolders / datasetFolders / reproductionFolders: their paths, so that
 *   Explorer items appear on run folders only (`resourcePath in robustFeatures.checkpointFolders`).
 */
import * as vscode from 'vscode';
import { scanArtifacts, type ArtifactKind } from './artifacts/scan';
import { artifactRoots } from './commands/pick';
import { dataPathProblem } from './config';

const set = (key: string, value: unknown) =>
  void vscode.commands.executeCommand('setContext', `robustFeatures.${key}`, value);

export function setJobRunning(running: boolean): void {
  set('jobRunning', running);
}

export function updateDataContext(): void {
  set('dataFound', dataPathProblem() === undefined);
}

const FOLDER_KEYS: Record<ArtifactKind, [has: string, folders: string]> = {
  checkpoint: ['hasCheckpoints', 'checkpointFolders'],
  'constructed-dataset': ['hasDatasets', 'datasetFolders'],
  reproduction: ['hasReproductions', 'reproductionFolders'],
  theory: ['hasTheoryRuns', 'theoryFolders'],
};

/** Scans the runs folders (the same scan as the Runs view) and sets the run keys. */
export function updateRunContext(): void {
  const artifacts = scanArtifacts(artifactRoots());
  for (const [kind, [has, folders]] of Object.entries(FOLDER_KEYS)) {
    const dirs = artifacts.filter((a) => a.kind === kind).map((a) => a.dir);
    set(has, dirs.length > 0);
    set(folders, dirs);
  }
}
