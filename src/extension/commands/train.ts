/**
 * Train Model / Adversarially Train Model. With an argument (tests, other commands, tasks) no
 * prompt is shown; without one the user picks an architecture, epochs and, for adversarial
 * training, the threat model. Resolves when the job ends, with its plain-data outcome.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_TRAIN, TRAIN_THREATS } from '../../engine/formats/presets';
import type { AdversarialConfig, ArchName, TrainConfig } from '../../shared/workerProtocol';
import { dataSpecSetting } from '../config';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import { ensureDataFound } from '../data';
import type { JobOutcome } from '../worker/job';
import { outputFolder, runJob } from './runJob';

export interface TrainCommandArgs {
  config?: Partial<TrainConfig>;
  /**
   * Checkpoint folder; default runs/models/<arch>-<training>-<time>, or the folder where the same
   * training was interrupted (it resumes there).
   */
  outDir?: string;
  resume?: boolean;
  /** Shown in the status bar and notifications. */
  name?: string;
}

// Mirrors the engine's registry (a type-only import keeps tfjs out of the extension bundle;
// Record<ArchName, …> makes a new architecture a compile error here until it is listed).
const ARCHS: Record<ArchName, string> = {
  mlp: 'dense 256 → dense 128: seconds per epoch',
  cnn: 'conv 32 → conv 64 → dense 128: the reference workload',
  resnet: 'small ResNet (16/32/64)',
  vgg: 'small VGG (32/64)',
  densenet: 'small DenseNet (3 dense blocks, growth 12)',
  inception: 'small Inception-style net (2 modules)',
  'cnn-wide': 'the cnn at twice the width (64/128, dense 256)',
  'resnet-deep': 'the small ResNet with 3 blocks per stage',
};

export async function trainCommand(
  services: () => Promise<Services>,
  adversarial: boolean,
  args?: TrainCommandArgs,
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  if (!args?.config?.data && !ensureDataFound()) return undefined;
  const config = args?.config ? args.config : await promptConfig(adversarial);
  if (!config) return undefined;
  const full: TrainConfig = {
    ...DEFAULT_TRAIN,
    model: 'mlp',
    data: dataSpecSetting(),
    ...config,
  };
  if (adversarial && !full.adversarial) full.adversarial = TRAIN_THREATS[0]!.adv;
  const training = full.adversarial
    ? `${full.adversarial.norm}-${full.adversarial.eps}`
    : 'standard';
  const folder = outputFolder(args?.outDir, path.join('models', `${full.model}-${training}`));
  if (!folder) return undefined;
  const name = args?.name ?? `${full.adversarial ? 'Adv-train' : 'Train'} ${full.model}`;
  return runJob(
    services,
    name,
    { kind: 'train', params: { config: full, outDir: folder.dir, resume: args?.resume } },
    folder.given,
  );
}

async function promptConfig(adversarial: boolean): Promise<Partial<TrainConfig> | undefined> {
  const arch = await vscode.window.showQuickPick(
    (Object.keys(ARCHS) as ArchName[]).map((a) => ({ label: a, description: ARCHS[a] })),
    {
      title: adversarial ? 'Adversarially train: architecture' : 'Train: architecture',
      ignoreFocusOut: true,
    },
  );
  if (!arch) return undefined;
  let adv: AdversarialConfig | undefined;
  if (adversarial) {
    const threat = await vscode.window.showQuickPick(
      TRAIN_THREATS.map((t) => ({
        label: t.label,
        description: `PGD ${t.adv.steps} steps`,
        adv: t.adv,
      })),
      {
        title: 'Threat model (the paper trains robust models with PGD, Madry et al.)',
        ignoreFocusOut: true,
      },
    );
    if (!threat) return undefined;
    adv = threat.adv;
  }
  const epochs = await vscode.window.showInputBox({
    title: 'Epochs',
    value: String(DEFAULT_TRAIN.epochs),
    ignoreFocusOut: true,
    validateInput: (v) => (/^[1-9]\d{0,3}$/.test(v.trim()) ? undefined : 'a whole number ≥ 1'),
  });
  if (!epochs) return undefined;
  return { model: arch.label, epochs: Number(epochs), ...(adv ? { adversarial: adv } : {}) };
}
