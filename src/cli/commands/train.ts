/** `robust-features train --model cnn --data fashion-mnist [--adv --norm l2 --eps 1.5] --epochs N --out DIR` */
import { parse, startBackend, num } from '../args';
import { terminalProgress } from '../progress';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { trainModel } from '../../engine/train/trainModel';
import { DEFAULT_TRAIN, type TrainConfig } from '../../engine/train/config';
import { defaultStepSize } from '../../engine/attacks/defaults';

const HELP = `robust-features train --model ${ARCHS.join('|')} --data SPEC --out DIR [options]
  --data SPEC        fashion-mnist (default) | mnist:PATH | fashion-mnist:PATH | cifar10:PATH | folder:PATH | npy:PATH
  --epochs N         (default ${DEFAULT_TRAIN.epochs})     --batch N (default ${DEFAULT_TRAIN.batchSize})
  --optimizer adam|sgd (default adam)  --lr X (default 1e-3; 0.1 for sgd)  --momentum X  --weight-decay X
  --schedule constant|step|cosine      --augment (random crop + flip, CIFAR-like data)
  --limit N          train on N images (seeded subset)   --test-limit N
  --adv              adversarial training (PGD examples made on the fly)
  --norm l2|linf --eps X --steps K (default 7) --step-size X (default 2.5·ε/steps)
  --seed N  --resume  --json`;

export async function runTrain(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      model: { type: 'string', default: 'cnn' },
      data: { type: 'string', default: 'fashion-mnist' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      optimizer: { type: 'string', default: 'adam' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      schedule: { type: 'string', default: 'constant' },
      augment: { type: 'boolean', default: false },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      adv: { type: 'boolean', default: false },
      norm: { type: 'string', default: 'l2' },
      eps: { type: 'string' },
      steps: { type: 'string', default: '7' },
      'step-size': { type: 'string' },
      seed: { type: 'string', default: '0' },
      resume: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!o.out) throw new Error(`--out DIR is required\n\n${HELP}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd')
    throw new Error(`--optimizer must be adam or sgd, got '${o.optimizer}'`);
  if (!['constant', 'step', 'cosine'].includes(o.schedule))
    throw new Error(`--schedule must be constant, step or cosine, got '${o.schedule}'`);
  if (o.norm !== 'l2' && o.norm !== 'linf')
    throw new Error(`--norm must be l2 or linf, got '${o.norm}'`);
  const cfg: TrainConfig = {
    ...DEFAULT_TRAIN,
    model: parseArch(o.model),
    data: o.data,
    epochs: num(o.epochs, 'epochs') ?? DEFAULT_TRAIN.epochs,
    batchSize: num(o.batch, 'batch') ?? DEFAULT_TRAIN.batchSize,
    optimizer: o.optimizer,
    lr: num(o.lr, 'lr') ?? (o.optimizer === 'sgd' ? 0.1 : 1e-3),
    momentum: num(o.momentum, 'momentum'),
    weightDecay: num(o['weight-decay'], 'weight-decay'),
    schedule: o.schedule as TrainConfig['schedule'],
    augment: o.augment,
    trainLimit: num(o.limit, 'limit'),
    testLimit: num(o['test-limit'], 'test-limit'),
    seed: num(o.seed, 'seed') ?? 0,
  };
  if (o.adv) {
    const eps = num(o.eps, 'eps');
    if (eps === undefined || eps <= 0)
      throw new Error('--adv needs --eps > 0 (e.g. --norm l2 --eps 1.5)');
    const steps = num(o.steps, 'steps') ?? 7;
    cfg.adversarial = {
      norm: o.norm,
      eps,
      steps,
      stepSize: num(o['step-size'], 'step-size') ?? defaultStepSize(eps, steps),
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
