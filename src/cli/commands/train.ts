/** `robust-features train`: standard or adversarial training of one checkpoint. */
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { startBackend } from '../args';
import { terminalProgress } from '../progress';
import { ARCHS } from '../../engine/models/registry';
import { trainModel } from '../../engine/train/trainModel';
import { DEFAULT_TRAIN, type TrainConfig } from '../../engine/train/config';
import { defaultStepSize } from '../../engine/attacks/defaults';

/** The learning rate when --lr is absent: Adam's usual, and SGD's of Madry et al. */
const DEFAULT_LR = { adam: 1e-3, sgd: 0.1 } as const;

export const trainVerb = {
  name: 'train',
  summary: 'train a model, standard or adversarial (PGD examples made on the fly, Madry et al.)',
  options: {
    model: { kind: 'string', choices: ARCHS, default: 'cnn', help: 'architecture' },
    data: {
      kind: 'string',
      arg: 'SPEC',
      default: 'fashion-mnist',
      help: 'training set: fashion-mnist | mnist:PATH | fashion-mnist:PATH | cifar10:PATH | folder:PATH | npy:PATH',
    },
    'test-data': {
      kind: 'string',
      arg: 'SPEC',
      defaultText: "--data's test split",
      help: 'test set: the original data (e.g. fashion-mnist) when --data is a constructed set (D_R, D_rand, …), which has no test split, as the paper measures',
    },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'checkpoint folder to write' },
    epochs: { kind: 'int', arg: 'N', min: 1, default: DEFAULT_TRAIN.epochs, help: 'epochs' },
    batch: { kind: 'int', arg: 'N', min: 1, default: DEFAULT_TRAIN.batchSize, help: 'batch size' },
    optimizer: { kind: 'string', choices: ['adam', 'sgd'], default: 'adam', help: 'optimizer' },
    lr: {
      kind: 'number',
      defaultText: `${DEFAULT_LR.adam}; ${DEFAULT_LR.sgd} for sgd`,
      help: 'learning rate',
    },
    momentum: { kind: 'number', help: 'SGD momentum' },
    'weight-decay': { kind: 'number', help: 'L2 weight decay' },
    schedule: {
      kind: 'string',
      choices: ['constant', 'step', 'cosine'],
      default: 'constant',
      help: 'learning-rate schedule',
    },
    augment: { kind: 'boolean', help: 'random crop + flip (CIFAR-like data)' },
    limit: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: 'all',
      help: 'train on N images (seeded subset)',
    },
    'test-limit': {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: 'all',
      help: 'test on N images (seeded subset)',
    },
    adv: { kind: 'boolean', help: 'adversarial training under --norm/--eps' },
    norm: { kind: 'string', choices: ['l2', 'linf'], default: 'l2', help: '--adv: threat model' },
    eps: { kind: 'number', help: '--adv: perturbation budget ε (required with --adv)' },
    steps: { kind: 'int', arg: 'K', min: 1, default: 7, help: '--adv: PGD steps per example' },
    'step-size': { kind: 'number', defaultText: '2.5·ε/steps', help: '--adv: PGD step size' },
    seed: { kind: 'int', arg: 'N', min: 0, default: DEFAULT_TRAIN.seed, help: 'seed' },
    resume: { kind: 'boolean', help: 'continue from the snapshot in --out (same arguments)' },
  },
} as const satisfies VerbSpec;

export async function runTrain(argv: string[]): Promise<void> {
  const o = parseVerb(trainVerb, argv);
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN,
    model: o.model,
    data: o.data,
    ...(o['test-data'] !== undefined ? { testData: o['test-data'] } : {}),
    epochs: o.epochs,
    batchSize: o.batch,
    optimizer: o.optimizer,
    lr: o.lr ?? DEFAULT_LR[o.optimizer],
    momentum: o.momentum,
    weightDecay: o['weight-decay'],
    schedule: o.schedule,
    augment: o.augment,
    trainLimit: o.limit,
    testLimit: o['test-limit'],
    seed: o.seed,
  };
  if (o.adv) {
    if (o.eps === undefined || o.eps <= 0)
      throw new UsageError('--adv needs --eps > 0 (e.g. --norm l2 --eps 1.5)');
    cfg.adversarial = {
      norm: o.norm,
      eps: o.eps,
      steps: o.steps,
      stepSize: o['step-size'] ?? defaultStepSize(o.eps, o.steps),
    };
  }
  await startBackend(o.backend, o.json);
  const bar = terminalProgress(o.json, cfg.adversarial ? 'adv-train' : 'train');
  const t0 = Date.now();
  try {
    const r = await trainModel(cfg, o.out, {
      onProgress: bar.onProgress,
      log: bar.log,
      resume: o.resume,
    });
    bar.stop();
    if (o.json)
      console.log(
        JSON.stringify({
          ...r.metrics,
          checkpoint: r.checkpointDir,
          seconds: (Date.now() - t0) / 1000,
        }),
      );
    else
      console.log(
        `checkpoint ${r.checkpointDir}: test accuracy ${(100 * r.metrics.standardAcc).toFixed(2)}% on ${r.metrics.n} images, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
  } finally {
    bar.stop();
  }
}
