/**
 * Figure 3 of the paper (§3.3), as the paper measures it. From a source model (standard training
 * on D) build D_rand. Then per architecture A:
 *   - A trained on D_rand: x = its accuracy on the original test set (how well A learns the
 *     source's non-robust features);
 *   - A trained on D (standard training): y = how often the source's adversarial test images fool
 *     it (transfer), both untargeted and targeted.
 * The paper finds x and y correlated: architectures that learn more from D_rand are fooled more by
 * the source's adversarial examples. Pearson and Spearman over the architectures, each with a
 * bootstrap interval (correlation.ts).
 */
import { assertCheckpointFits } from '../models/fits';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, JobContext } from '../types';
import { ARCHS, type ArchName } from '../models/registry';
import { loadCheckpoint, readManifest, writeJsonAtomic } from '../models/checkpoint';
import { buildConstructed } from '../construct/build';
import { constructDefaults } from '../construct/config';
import { trainModel } from '../train/trainModel';
import type { TrainConfig } from '../train/config';
import { loadDataset } from '../formats/load';
import { fractionCorrect, inferenceFn, predictLabels } from '../eval/accuracy';
import { attack } from '../attacks/attack';
import { targetLabel } from '../construct/perImage';
import { batchRanges } from '../train/batches';
import { writeFileAtomic } from '../formats/atomic';
import { scatterSvg } from './scatterSvg';
import { killPoint } from '../testKill';
import { bootstrapCorrelation, pearsonR, spearmanRho, type CorrelationWithCI } from './correlation';

export interface TransferOptions {
  source: string;
  out: string;
  archs?: ArchName[];
  trainLimit?: number;
  testLimit: number;
  epochs: number;
  /** The targeted attack that builds D_rand; the transfer attacks use the same norm, ε and steps. */
  relabel: { norm?: 'l2' | 'linf'; eps: number; steps: number; stepSize: number };
  seed: number;
  poolSize?: number;
  /** Bootstrap resamples for the correlations' intervals (default 2000). */
  bootstrap?: number;
}

export interface Figure3Point {
  arch: ArchName;
  /** x: accuracy on the original test set of A trained on D_rand. */
  dRandAcc: number;
  /**
   * Clean accuracy of A trained on D (the model the transfer attacks are tried on), on the same
   * test images as the transfer rates: the untargeted rate's denominator is its correct ones.
   */
  standardAcc: number;
  /** y: the source's untargeted adversarial examples that A (standard) misclassifies. */
  untargetedTransfer: number;
  /** y: the source's targeted adversarial examples that A (standard) classifies as the target. */
  targetedTransfer: number;
}

export interface Figure3 {
  source: string;
  sourceArch: string;
  points: Figure3Point[];
  correlations: Record<
    'untargeted' | 'targeted',
    { pearson: CorrelationWithCI; spearman: CorrelationWithCI }
  >;
  threatModel: { norm: 'l2' | 'linf'; eps: number; steps: number; stepSize: number };
  how: Record<string, string>;
}

/** Kept for readers of transfer.json before Figure 3: x and the targeted y per architecture. */
export interface TransferRow {
  arch: ArchName;
  testAcc: number;
  transferSuccess: number;
}

export interface TransferResult {
  figure3: Figure3;
  rows: TransferRow[];
  /** Pearson r of x against targeted transfer. */
  correlation: number;
}

/** The standard models use another seed than the source's, so the source's own architecture is a separately trained model, not the source. */
const STANDARD_SEED_OFFSET = 1;

export async function transfer(o: TransferOptions, ctx: JobContext = {}): Promise<TransferResult> {
  const sourceManifest = readManifest(o.source);
  const data = sourceManifest.dataset;
  const norm = o.relabel.norm ?? 'l2';
  const dRand = path.join(o.out, 'D_rand');
  ctx.log?.('building D_rand from the source model');
  await buildConstructed(
    {
      ...constructDefaults('rand'),
      kind: 'rand',
      checkpoint: o.source,
      data,
      limit: o.trainLimit,
      seed: o.seed,
      eps: o.relabel.eps,
      steps: o.relabel.steps,
      stepSize: o.relabel.stepSize,
      norm,
    },
    dRand,
    { ...ctx, poolSize: o.poolSize },
  );
  const test = await loadDataset(data, { split: 'test', limit: o.testLimit, seed: o.seed });
  const targets = Int32Array.from({ length: test.shape[0] }, (_, i) =>
    targetLabel('rand', o.seed + 1, i, test.labels[i] as number, test.numClasses),
  );
  ctx.log?.('crafting untargeted and targeted adversarial test images on the source');
  const untargetedAdv = await craftOnSource(o, test, undefined, ctx);
  const targetedAdv = await craftOnSource(o, test, targets, ctx);
  const points: Figure3Point[] = [];
  const train = async (arch: ArchName, on: 'D' | 'D_rand', dir: string) => {
    ctx.log?.(`training ${arch} on ${on}`);
    const cfg: TrainConfig = {
      model: arch,
      data: on === 'D' ? data : `npy:${dRand}`,
      ...(on === 'D' && o.trainLimit !== undefined ? { trainLimit: o.trainLimit } : {}),
      testData: data,
      testLimit: o.testLimit,
      epochs: o.epochs,
      batchSize: 128,
      optimizer: 'adam',
      lr: 1e-3,
      schedule: 'cosine',
      seed: on === 'D' ? o.seed + STANDARD_SEED_OFFSET : o.seed,
    };
    return (await trainModel(cfg, dir, { ...ctx, resume: true })).metrics.standardAcc;
  };
  for (const arch of o.archs ?? [...ARCHS]) {
    const dRandAcc = await train(arch, 'D_rand', path.join(o.out, `rand_${arch}`));
    const stdDir = path.join(o.out, `std_${arch}`);
    await train(arch, 'D', stdDir);
    const ckpt = await loadCheckpoint(stdDir);
    try {
      const clean = await predictLabels(inferenceFn(ckpt.model), test, 256, ctx);
      const onUntargeted = await predictLabels(inferenceFn(ckpt.model), untargetedAdv, 256, ctx);
      const onTargeted = await predictLabels(inferenceFn(ckpt.model), targetedAdv, 256, ctx);
      points.push({
        arch,
        dRandAcc,
        standardAcc: fractionCorrect(clean, test.labels),
        untargetedTransfer: untargetedRate(clean, onUntargeted, test.labels),
        targetedTransfer: targetedRate(onTargeted, targets, test.labels),
      });
    } finally {
      ckpt.model.dispose();
    }
  }
  const figure3 = summarise(o, points, sourceManifest.arch, test.shape[0], norm);
  const rows = points.map((p) => ({
    arch: p.arch,
    testAcc: p.dRandAcc,
    transferSuccess: p.targetedTransfer,
  }));
  const correlation = figure3.correlations.targeted.pearson.r;
  writeJsonAtomic(path.join(o.out, 'transfer.json'), {
    rows,
    correlation,
    figure3,
    source: figure3.source,
    how: {
      testAcc: figure3.how.x,
      transferSuccess: figure3.how.targeted,
      correlation: 'Pearson over architectures (targeted); figure3 has both and Spearman',
    },
  });
  // results.json as the Results panel reads it: Figure 3 beside whatever the folder already had.
  const resultsFile = path.join(o.out, 'results.json');
  const previous = fs.existsSync(resultsFile)
    ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
    : {};
  writeJsonAtomic(resultsFile, { ...previous, figure3 });
  killPoint('report', path.join(o.out, 'transfer.csv'));
  writeFileAtomic(
    path.join(o.out, 'transfer.csv'),
    [
      'arch,dRandAcc,standardAcc,untargetedTransfer,targetedTransfer',
      ...points.map(
        (p) =>
          `${p.arch},${p.dRandAcc},${p.standardAcc},${p.untargetedTransfer},${p.targetedTransfer}`,
      ),
    ].join('\n') + '\n',
  );
  writeFileAtomic(path.join(o.out, 'transfer.svg'), scatterSvg(figure3));
  return { figure3, rows, correlation };
}

/** Of the test images A classifies correctly clean, the fraction it misclassifies after the source's attack. */
export function untargetedRate(
  clean: ArrayLike<number>,
  adv: ArrayLike<number>,
  labels: ArrayLike<number>,
): number {
  let eligible = 0,
    fooled = 0;
  for (let i = 0; i < labels.length; i++) {
    if (clean[i] !== labels[i]) continue;
    eligible++;
    if (adv[i] !== labels[i]) fooled++;
  }
  return eligible ? fooled / eligible : 0;
}

/** Of the test images whose target differs from the label, the fraction A classifies as the target. */
export function targetedRate(
  adv: ArrayLike<number>,
  targets: ArrayLike<number>,
  labels: ArrayLike<number>,
): number {
  let eligible = 0,
    hit = 0;
  for (let i = 0; i < labels.length; i++) {
    if (targets[i] === labels[i]) continue;
    eligible++;
    if (adv[i] === targets[i]) hit++;
  }
  return eligible ? hit / eligible : 0;
}

function summarise(
  o: TransferOptions,
  points: Figure3Point[],
  sourceArch: string,
  testN: number,
  norm: 'l2' | 'linf',
): Figure3 {
  const x = points.map((p) => p.dRandAcc);
  const resamples = o.bootstrap ?? 2000;
  const both = (y: number[], seed: number) => ({
    pearson: bootstrapCorrelation(x, y, pearsonR, { resamples, seed }),
    spearman: bootstrapCorrelation(x, y, spearmanRho, { resamples, seed: seed + 1 }),
  });
  const r = o.relabel;
  const attackText = `${norm === 'linf' ? 'L∞' : 'L2'} PGD on the source (ε=${r.eps}, ${r.steps} steps of ${r.stepSize}, no random start, best iterate)`;
  return {
    source: path.resolve(o.source),
    sourceArch,
    points,
    correlations: {
      untargeted: both(
        points.map((p) => p.untargetedTransfer),
        o.seed,
      ),
      targeted: both(
        points.map((p) => p.targetedTransfer),
        o.seed + 2,
      ),
    },
    threatModel: { norm, eps: r.eps, steps: r.steps, stepSize: r.stepSize },
    how: {
      x: `accuracy on the original test set (${testN} images, seed ${o.seed}) of the architecture trained on D_rand built from the source (${o.trainLimit ?? 'all'} training images, ${o.epochs} epochs, Adam 1e-3, cosine, seed ${o.seed})`,
      standard: `the architecture trained on D (the same ${o.trainLimit ?? 'all'} images and recipe, seed ${o.seed + STANDARD_SEED_OFFSET}, so that it is not the source); standardAcc is its clean accuracy on the same test images as x and the transfer rates`,
      untargeted: `fraction of the test images the standard model classifies correctly whose untargeted ${attackText} it misclassifies`,
      targeted: `fraction of the test images (target ≠ label, targets uniform, seed ${o.seed + 1}) whose targeted ${attackText} the standard model classifies as the target`,
      correlations: `Pearson r and Spearman ρ over the ${points.length} architectures; 95% percentile-bootstrap intervals from ${resamples} resamples of the architectures (seeded; resamples with a constant variable left out and counted)`,
    },
  };
}

/** Adversarial test images against the source model: targeted when `targets` is given. */
async function craftOnSource(
  o: TransferOptions,
  test: Dataset,
  targets: Int32Array | undefined,
  ctx: JobContext,
): Promise<Dataset> {
  const src = await loadCheckpoint(o.source);
  try {
    assertCheckpointFits(o.source, src.manifest, test);
  } catch (e) {
    src.model.dispose();
    throw e;
  }
  const [n, h, w, c] = test.shape;
  const images = new Float32Array(test.images.length);
  try {
    for (const [s, e] of batchRanges(n, 250)) {
      const x = tf.tensor4d(test.images.subarray(s * h * w * c, e * h * w * c), [e - s, h, w, c]);
      const t = tf.tensor1d(
        targets ? targets.subarray(s, e) : Int32Array.from(test.labels.subarray(s, e)),
        'int32',
      );
      const r = await attack(inferenceFn(src.model), x, t, {
        norm: o.relabel.norm ?? 'l2',
        eps: o.relabel.eps,
        stepSize: o.relabel.stepSize,
        iterations: o.relabel.steps,
        targeted: targets !== undefined,
        useBest: true,
        signal: ctx.signal,
      });
      images.set(await r.adv.data(), s * h * w * c);
      tf.dispose([x, t, r.adv]);
      killPoint('eval-batch', o.out);
    }
  } finally {
    src.model.dispose();
  }
  const kind = targets ? 'targeted' : 'untargeted';
  return { ...test, images, source: `${test.source}, ${kind} PGD against ${o.source}` };
}
