/**
 * Evaluate Robustness: PGD against a checkpoint for a list of ε; the result is merged into its
 * metrics.json (which updates hovers, badges and the Runs view). Defaults: L2, the paper's
 * Fashion-MNIST-scaled ε list, 20 steps, 1000 test images.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EVALUATE_PRESET, EVALUATE_THREATS } from '../../engine/formats/presets';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import type { EvaluateParams } from '../../shared/workerProtocol';
import { isCheckpointDir } from '../checkpoints/resolvePath';
import { pickCheckpoint } from './pick';
import { runJob } from './runJob';

export type EvaluateCommandArgs = Partial<Omit<EvaluateParams, 'jobId'>> & { name?: string };

const { steps, limit } = EVALUATE_PRESET;
const PRESET_TEXT = `PGD-${steps}, step 2.5·ε/${steps}, ${limit} test images`;
const AA_TEXT = `AutoAttack (standard): APGD-CE, APGD-T, FAB-T, Square; and PGD-${steps} on the same ${limit} images`;
const THREATS: {
  label: string;
  norm: 'l2' | 'linf';
  eps: number[];
  attack?: EvaluateParams['attack'];
  description: string;
}[] = [
  ...EVALUATE_THREATS.map((t) => ({ ...t, description: PRESET_TEXT })),
  {
    label: 'L2, ε = 1.5, AutoAttack',
    norm: 'l2',
    eps: [1.5],
    attack: 'autoattack',
    description: AA_TEXT,
  },
  {
    label: 'L∞, ε = 0.1, AutoAttack',
    norm: 'linf',
    eps: [0.1],
    attack: 'autoattack',
    description: AA_TEXT,
  },
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
  let attack = a.attack;
  if (!norm || !eps) {
    const t = await vscode.window.showQuickPick(THREATS, {
      title: 'Threat model',
      ignoreFocusOut: true,
    });
    if (!t) return undefined;
    norm ??= t.norm;
    eps ??= t.eps;
    attack ??= t.attack;
  }
  const params: Omit<EvaluateParams, 'jobId'> = {
    checkpoint,
    norm,
    eps,
    steps: a.steps ?? EVALUATE_PRESET.steps,
    restarts: a.restarts ?? EVALUATE_PRESET.restarts,
    limit: a.limit ?? EVALUATE_PRESET.limit,
    ...(a.data ? { data: a.data } : {}),
    seed: a.seed ?? EVALUATE_PRESET.seed,
    ...(a.batchSize ? { batchSize: a.batchSize } : {}),
    ...(attack && attack !== 'pgd' ? { attack, version: a.version ?? 'standard' } : {}),
    ...(a.attacks ? { attacks: a.attacks } : {}),
  };
  // An evaluation keeps no partial state (it starts over and writes the same result): no folder to pick.
  return runJob(
    services,
    a.name ?? `Evaluate ${path.basename(checkpoint)}`,
    { kind: 'evaluate', params },
    true,
  );
}
