/**
 * Compute Gradient Maps (paper §4): input gradients and class drawings of a standard and a robust
 * checkpoint with their edge alignment; the run opens in the gallery's gradients view.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GradientsParams } from '../../shared/workerProtocol';
import { GRADIENT_DEFAULTS } from '../../engine/formats/presets';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import { pickCheckpoint } from './pick';
import { outputFolder, runJob } from './runJob';

export type GradientsCommandArgs = Partial<Omit<GradientsParams, 'jobId' | 'out'>> & {
  outDir?: string;
  name?: string;
  /** Open the result in the gallery when done (default true). */
  open?: boolean;
};

export async function gradientsCommand(
  services: () => Promise<Services>,
  a: GradientsCommandArgs = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  const standard = a.standard ?? (await pickCheckpoint('Gradient maps: the standard checkpoint'));
  if (!standard) return undefined;
  const robust =
    a.robust ??
    (await pickCheckpoint('Gradient maps: the robust (adversarially trained) checkpoint', (x) =>
      /adv|robust/i.test(x.dir),
    ));
  if (!robust) return undefined;
  const folder = outputFolder(
    a.outDir,
    `gradients-${path.basename(standard)}-${path.basename(robust)}`,
  );
  if (!folder) return undefined;
  const params: Omit<GradientsParams, 'jobId'> = {
    standard,
    robust,
    out: folder.dir,
    n: a.n ?? GRADIENT_DEFAULTS.n,
    eps: a.eps ?? GRADIENT_DEFAULTS.eps,
    steps: a.steps ?? GRADIENT_DEFAULTS.steps,
    seed: a.seed ?? GRADIENT_DEFAULTS.seed,
    ...(a.data ? { data: a.data } : {}),
  };
  const outcome = await runJob(
    services,
    a.name ?? 'Gradient maps',
    { kind: 'gradients', params },
    folder.given,
  );
  if (outcome?.state === 'succeeded' && outcome.outDir && a.open !== false)
    await vscode.commands.executeCommand(
      'robustFeatures.openRunInGallery',
      vscode.Uri.file(outcome.outDir),
    );
  return outcome;
}
