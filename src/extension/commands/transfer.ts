/**
 * Run Transferability Experiment (paper §3.3): D_rand from a standard source checkpoint, every
 * architecture trained on it, accuracy on the original test set against the success of the
 * source's targeted attacks on it; transfer.svg (scatter with the correlation) opens when done.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ArchName } from '../../shared/workerProtocol';
import { TRANSFER_DEFAULTS } from '../../engine/formats/presets';
import type { TransferParams } from '../../shared/workerProtocol';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import { isCheckpointDir } from '../checkpoints/resolvePath';
import { pickCheckpoint } from './pick';
import { outputFolder, runJob } from './runJob';

export type TransferCommandArgs = Partial<Omit<TransferParams, 'jobId' | 'source' | 'out'>> & {
  source?: string;
  outDir?: string;
  name?: string;
  /** Open transfer.svg when done (default true). */
  open?: boolean;
};

export async function transferCommand(
  services: () => Promise<Services>,
  args: TransferCommandArgs | vscode.Uri = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  const a: TransferCommandArgs = args instanceof vscode.Uri ? { source: args.fsPath } : args;
  const source =
    a.source ?? (await pickCheckpoint('Transferability: the source (a standard checkpoint)'));
  if (!source) return undefined;
  if (!isCheckpointDir(source)) {
    void vscode.window.showErrorMessage(
      `Robust Features: ${source} is not a checkpoint (no model.json and metrics.json).`,
    );
    return undefined;
  }
  const folder = outputFolder(a.outDir, `transfer-${path.basename(source)}`);
  if (!folder) return undefined;
  // Figure 3 wants many architectures: every one the engine registers (models/registry.ts).
  const archs: ArchName[] = a.archs ?? [
    'mlp',
    'cnn',
    'resnet',
    'vgg',
    'densenet',
    'inception',
    'cnn-wide',
    'resnet-deep',
  ];
  const params: Omit<TransferParams, 'jobId'> = {
    source,
    out: folder.dir,
    archs,
    trainLimit: a.trainLimit ?? TRANSFER_DEFAULTS.trainLimit,
    testLimit: a.testLimit ?? TRANSFER_DEFAULTS.testLimit,
    epochs: a.epochs ?? TRANSFER_DEFAULTS.epochs,
    relabel: a.relabel ?? TRANSFER_DEFAULTS.relabel,
    seed: a.seed ?? TRANSFER_DEFAULTS.seed,
    ...(a.poolSize ? { poolSize: a.poolSize } : {}),
  };
  const outcome = await runJob(
    services,
    a.name ?? `Transfer from ${path.basename(source)}`,
    { kind: 'transfer', params },
    folder.given,
  );
  if (outcome?.state === 'succeeded' && outcome.outDir && a.open !== false)
    await vscode.commands.executeCommand(
      'vscode.open',
      vscode.Uri.file(path.join(outcome.outDir, 'transfer.svg')),
    );
  return outcome;
}
