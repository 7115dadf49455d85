/**
 * Evaluate Robustness: PGD against a checkpoint for a list of ε; the result is merged into its
 * metrics.json (which updates hovers, badges and the Runs view). Defaults: L2, the paper's
 * Fashion-MNIST-scaled ε list, 20 steps, 1000 test images.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import type { EvaluateParams } from '../../shared/workerProtocol';
import { isCheckpointDir } from '../checkpoints/resolvePath';
import { pickCheckpoint } from './pick';
import { runJob } from './runJob';

export type EvaluateCommandArgs = Partial<Omit<EvaluateParams, 'jobId'>> & { name?: string };

const THREATS: { label: string; norm: 'l2' | 'linf'; eps: number[] }[] = [
  { label: 'L2, ε ∈ {0.5, 1, 1.5, 2}', norm: 'l2', eps: [0.5, 1, 1.5, 2] },
  { label: 'L2, ε = 1.5', norm: 'l2', eps: [1.5] },
  { label: 'L∞, ε ∈ {0.05, 0.1, 0.2}', norm: 'linf', eps: [0.05, 0.1, 0.2] },
];

export async function evaluateCommand(
  services: () => Promise<Services>,
  args: EvaluateCommandArgs | vscode.Uri = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  // From the Explorer or the Runs view the argument is the checkpoint folder itself.
  const a: EvaluateCommandArgs = args instanceof vscode.Uri ? { checkpoint: args.fsPath } : args;
  const checkpoint =
    a.checkpoint ?? (await pickCheckpoint('Evaluate robustness of which checkpoint?'));
  if (!checkpoint) return undefined;
  if (!isCheckpointDir(checkpoint)) {
    void vscode.window.showErrorMessage(
      `Robust Features: ${checkpoint} is not a checkpoint (no model.json and metrics.json).`,
    );
    return undefined;
  }
  let norm = a.norm;
  let eps = a.eps;
  if (!norm || !eps) {
    const t = await vscode.window.showQuickPick(
      THREATS.map((t) => ({ ...t, description: 'PGD-20, step 2.5·ε/20, 1000 test images' })),
      { title: 'Threat model', ignoreFocusOut: true },
    );
    if (!t) return undefined;
    norm ??= t.norm;
    eps ??= t.eps;
  }
  const params: Omit<EvaluateParams, 'jobId'> = {
    checkpoint,
    norm,
    eps,
    steps: a.steps ?? 20,
    restarts: a.restarts ?? 0,
    limit: a.limit ?? 1000,
    ...(a.data ? { data: a.data } : {}),
    seed: a.seed ?? 0,
    ...(a.batchSize ? { batchSize: a.batchSize } : {}),
  };
  return runJob(services, a.name ?? `Evaluate ${path.basename(checkpoint)}`, {
    kind: 'evaluate',
    params,
  });
}
