/**
 * Build Robustified Dataset (D_R), Build Non-Robust Dataset (D_NR), Build Relabeled Dataset
 * (D_rand / D_det). Asks only for what the argument leaves out: the source checkpoint (robust
 * ones first for D_R, standard ones first otherwise), the relabelling rule, the image count.
 * Step counts follow the reproduction's quick Fashion-MNIST profile unless given.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { constructPreset } from '../../engine/formats/presets';
import type { ConstructConfig, ConstructKind } from '../../shared/workerProtocol';
import { dataSpecSetting } from '../config';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import { ensureDataFound } from '../data';
import type { JobOutcome } from '../worker/job';
import { isCheckpointDir } from '../checkpoints/resolvePath';
import { pickCheckpoint, pickNumber } from './pick';
import { outputFolder, runJob } from './runJob';

export interface BuildCommandArgs {
  kind?: ConstructKind;
  checkpoint?: string;
  data?: string;
  outDir?: string;
  name?: string;
  /** Any ConstructConfig field: limit, steps, stepSize, eps, start, fakeRelu, chunkSize, batchSize, seed. */
  config?: Partial<Omit<ConstructConfig, 'kind' | 'checkpoint' | 'data'>>;
}

export type BuildWhich = 'robust' | 'nonrobust' | 'relabeled';

const TITLES: Record<ConstructKind, string> = {
  robust: 'Build D_R (robustified)',
  nonrobust: 'Build D_NR (non-robust)',
  rand: 'Build D_rand',
  det: 'Build D_det',
};

export async function buildDatasetCommand(
  services: () => Promise<Services>,
  which: BuildWhich,
  args: BuildCommandArgs = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  if (!args.data && !ensureDataFound()) return undefined;
  let kind: ConstructKind | undefined = args.kind ?? (which === 'relabeled' ? undefined : which);
  if (!kind) {
    const items: (vscode.QuickPickItem & { value: ConstructKind })[] = [
      {
        label: 'D_det',
        description: 'target (y + 1) mod C: non-robust features alone generalise (Table 1)',
        value: 'det',
      },
      { label: 'D_rand', description: 'a random target class', value: 'rand' },
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Relabeled dataset (targeted PGD on a standard model)',
      ignoreFocusOut: true,
    });
    if (!pick) return undefined;
    kind = pick.value;
  }
  const checkpoint =
    args.checkpoint ??
    (await pickCheckpoint(
      kind === 'robust'
        ? 'D_R: a robust (adversarially trained) checkpoint'
        : `${TITLES[kind].slice(6)}: a standard checkpoint`,
      (a) => (a.metrics?.training === 'adversarial') === (kind === 'robust'),
    ));
  if (!checkpoint) return undefined;
  if (!isCheckpointDir(checkpoint)) {
    void vscode.window.showErrorMessage(
      `Robust Features: ${checkpoint} is not a checkpoint (no model.json and metrics.json).`,
    );
    return undefined;
  }
  const base = constructPreset(kind);
  let limit = args.config?.limit ?? (args.config ? base.limit : undefined);
  if (limit === undefined) {
    limit = await pickNumber(
      `${TITLES[kind]}: how many training images (1,000 take minutes on 2 cores)`,
      base.limit ?? 1000,
      { integer: true, min: 1 },
    );
    if (limit === undefined) return undefined;
  }
  const config: ConstructConfig = {
    ...base,
    ...args.config,
    limit,
    kind,
    checkpoint,
    data: args.data ?? dataSpecSetting(),
  };
  const folder = outputFolder(args.outDir, `D_${kind}`);
  if (!folder) return undefined;
  const name = args.name ?? `${TITLES[kind]} from ${path.basename(checkpoint)}`;
  return runJob(
    services,
    name,
    { kind: 'construct', params: { config, outDir: folder.dir } },
    folder.given,
  );
}
