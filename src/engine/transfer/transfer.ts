/**
 * Transferability through non-robust features (paper §3.3 and its figure): from a source model,
 * build D_rand; train every architecture on it; for each report (a) accuracy on the original test
 * set — how well it learns the source's non-robust features — and (b) how often targeted adversarial
 * examples crafted against the source fool it into the target — transfer. The paper finds (a) and
 * (b) correlated; we print their Pearson correlation.
 */
import { assertCheckpointFits } from '../models/fits';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../types';
import { ARCHS, type ArchName } from '../models/registry';
import { loadCheckpoint, readManifest, writeJsonAtomic } from '../models/checkpoint';
import { buildConstructed } from '../construct/build';
import { constructDefaults } from '../construct/config';
import { trainModel } from '../train/trainModel';
import { loadDataset } from '../formats/load';
import { inferenceFn, predictLabels } from '../eval/accuracy';
import { attack } from '../attacks/attack';
import { targetLabel } from '../construct/perImage';
import { batchRanges } from '../train/batches';
import { pearson } from '../interpret/edges';
import { writeFileAtomic } from '../formats/atomic';
import { scatterSvg } from './scatterSvg';
import { killPoint } from '../testKill';

export interface TransferOptions {
  source: string;
  out: string;
  archs?: ArchName[];
  trainLimit?: number;
  testLimit: number;
  epochs: number;
  relabel: { eps: number; steps: number; stepSize: number };
  seed: number;
  poolSize?: number;
}

export interface TransferRow {
  arch: ArchName;
  testAcc: number;
  transferSuccess: number;
}

export async function transfer(
  o: TransferOptions,
  ctx: JobContext = {},
): Promise<{ rows: TransferRow[]; correlation: number }> {
  const data = readManifest(o.source).dataset;
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
      ...o.relabel,
    },
    dRand,
    { ...ctx, poolSize: o.poolSize },
  );
  const test = await loadDataset(data, { split: 'test', limit: o.testLimit, seed: o.seed });
  const targets = Int32Array.from({ length: test.shape[0] }, (_, i) =>
    targetLabel('rand', o.seed + 1, i, test.labels[i] as number, test.numClasses),
  );
  const adv = await craftOnSource(o, test, targets, ctx);
  const rows: TransferRow[] = [];
  for (const arch of o.archs ?? [...ARCHS]) {
    const dir = path.join(o.out, `standard_${arch}`);
    ctx.log?.(`training ${arch} on D_rand`);
    const r = await trainModel(
      {
        model: arch,
        data: `npy:${dRand}`,
        testData: data,
        testLimit: o.testLimit,
        epochs: o.epochs,
        batchSize: 128,
        optimizer: 'adam',
        lr: 1e-3,
        schedule: 'cosine',
        seed: o.seed,
      },
      dir,
      { ...ctx, resume: true },
    );
    const ckpt = await loadCheckpoint(dir);
    const pred = await predictLabels(inferenceFn(ckpt.model), adv, 256, ctx);
    ckpt.model.dispose();
    let hit = 0;
    for (let i = 0; i < pred.length; i++)
      if (pred[i] === targets[i] && targets[i] !== test.labels[i]) hit++;
    const eligible = targets.filter((t, i) => t !== test.labels[i]).length;
    rows.push({
      arch,
      testAcc: r.metrics.standardAcc,
      transferSuccess: eligible ? hit / eligible : 0,
    });
  }
  const correlation = pearson(
    rows.map((r) => r.testAcc),
    rows.map((r) => r.transferSuccess),
  );
  writeJsonAtomic(path.join(o.out, 'transfer.json'), {
    rows,
    correlation,
    source: path.resolve(o.source),
    how: {
      testAcc: `accuracy on the original test set (${test.shape[0]} images)`,
      transferSuccess: `fraction of test images (target ≠ label) that targeted L2 PGD on the source (ε=${o.relabel.eps}, ${o.relabel.steps} steps of ${o.relabel.stepSize}) makes the model classify as the target`,
      correlation: 'Pearson over architectures',
    },
  });
  killPoint('report', path.join(o.out, 'transfer.csv'));
  writeFileAtomic(
    path.join(o.out, 'transfer.csv'),
    [
      'arch,testAcc,transferSuccess',
      ...rows.map((r) => `${r.arch},${r.testAcc},${r.transferSuccess}`),
    ].join('\n') + '\n',
  );
  writeFileAtomic(path.join(o.out, 'transfer.svg'), scatterSvg(rows, correlation));
  return { rows, correlation };
}

/** Targeted adversarial test images against the source model (the transfer attack). */
async function craftOnSource(
  o: TransferOptions,
  test: Awaited<ReturnType<typeof loadDataset>>,
  targets: Int32Array,
  ctx: JobContext,
) {
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
      const t = tf.tensor1d(targets.subarray(s, e), 'int32');
      const r = await attack(inferenceFn(src.model), x, t, {
        norm: 'l2',
        eps: o.relabel.eps,
        stepSize: o.relabel.stepSize,
        iterations: o.relabel.steps,
        targeted: true,
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
  return { ...test, images, source: `${test.source}, targeted L2 PGD against ${o.source}` };
}
