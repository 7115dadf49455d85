/**
 * Exact resume (issue 24): training k steps, snapshotting, restoring into a freshly built model and
 * optimizer and continuing must give the same weight bytes as training straight through, for
 * Adam (our fused update and tfjs's stock one) and SGD with momentum, standard and adversarial.
 * Real data: a few hundred Fashion-MNIST images.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { loadDataset } from '../../../src/engine/formats/load';
import { buildModel } from '../../../src/engine/models/registry';
import { FUSED_ADAM } from '../../../src/engine/kernels/optim/adam';
import { adam } from '../../../src/engine/train/fusedAdam';
import { batchTensors, epochOrder } from '../../../src/engine/train/batches';
import {
  ADAM_POWERS_MISSING,
  restoreLatest,
  writeSnapshot,
} from '../../../src/engine/train/snapshot';
import { trainOnDatasets } from '../../../src/engine/train/trainModel';
import type { TrainConfig } from '../../../src/engine/train/config';
import { AbortedError, type Dataset } from '../../../src/engine/types';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-resume-'));
let train: Dataset;
let testSet: Dataset;

before(async () => {
  await initBackend('wasm');
  train = await loadDataset('fashion-mnist', { split: 'train', limit: 160, seed: 3 });
  testSet = await loadDataset('fashion-mnist', { split: 'test', limit: 64, seed: 3 });
});

function build() {
  const [, h, w, c] = train.shape;
  return buildModel('mlp', { inputShape: [h, w, c], numClasses: 10, seed: 4 });
}

/** Steps `from` … `to`−1 of a fixed sequence of 32-image batches. */
function steps(
  model: ReturnType<typeof build>['model'],
  opt: tf.Optimizer,
  from: number,
  to: number,
) {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const order = epochOrder(train.shape[0], 1, 0);
  for (let t = from; t < to; t++) {
    const s = (t * 32) % train.shape[0];
    const { x, y } = batchTensors(train, order.subarray(s, s + 32));
    tf.tidy(() => {
      opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
            tf.oneHot(y, 10),
            model.apply(x, { training: true }) as tf.Tensor,
          ),
        false,
        vars,
      );
    });
    tf.dispose([x, y]);
  }
}

const bytes = (model: ReturnType<typeof build>['model']) =>
  Buffer.concat(model.getWeights().map((t) => Buffer.from((t.dataSync() as Float32Array).buffer)));

const optimizers: [string, () => tf.Optimizer][] = [
  ['fused Adam', () => adam(1e-3)],
  ['tfjs stock Adam', () => tf.train.adam(1e-3, 0.9, 0.999)],
  ['SGD with momentum', () => tf.train.momentum(0.05, 0.9)],
];

for (const [name, make] of optimizers)
  test(`${name}: k steps, snapshot, restore into a fresh model and optimizer, continue = straight run, to the byte`, async () => {
    if (name === 'fused Adam')
      assert.ok(tf.getKernel(FUSED_ADAM, 'wasm'), 'the fused kernel is what runs here');
    if (name === 'tfjs stock Adam') {
      // tfjs's Symbol.hasInstance makes every optimizer `instanceof` every other: compare classes.
      const o = make();
      assert.equal(Object.getPrototypeOf(o), tf.AdamOptimizer.prototype);
      o.dispose();
    }
    const N = 12;
    const straight = build();
    const opt = make();
    steps(straight.model, opt, 0, N);
    const want = bytes(straight.model);
    straight.model.dispose();
    opt.dispose();
    // β2 = 0.999's accumulated power differs from pow(β2, t + 1) at t = 2 and 5 (float32).
    for (const k of [2, 5]) {
      const dir = tmp();
      const first = build();
      const opt1 = make();
      steps(first.model, opt1, 0, k);
      await writeSnapshot(dir, first.model, opt1, { epochsDone: 1, history: [], trainSec: 0 });
      first.model.dispose();
      opt1.dispose();
      const second = build();
      const opt2 = make();
      const restored = await restoreLatest(dir, second.model, opt2);
      assert.equal(restored?.warning, undefined);
      steps(second.model, opt2, k, N);
      assert.ok(bytes(second.model).equals(want), `${name}: resumed after ${k} steps`);
      second.model.dispose();
      opt2.dispose();
    }
  });

const base: TrainConfig = {
  model: 'mlp',
  data: 'fashion-mnist',
  epochs: 3,
  batchSize: 32,
  optimizer: 'adam',
  lr: 1e-3,
  seed: 5,
};
const runs: [string, Partial<TrainConfig>][] = [
  ['Adam, standard', {}],
  ['Adam, adversarial', { adversarial: { norm: 'linf', eps: 0.1, steps: 3 } }],
  ['SGD, standard', { optimizer: 'sgd', lr: 0.05 }],
  [
    'SGD, adversarial',
    { optimizer: 'sgd', lr: 0.05, adversarial: { norm: 'l2', eps: 1, steps: 3 } },
  ],
];

/** Runs until epoch `stopAfter` is snapshotted, then aborts (what a kill leaves behind, less the partial epoch). */
async function stopAfterEpoch(cfg: TrainConfig, dir: string, stopAfter: number): Promise<void> {
  const ac = new AbortController();
  await assert.rejects(
    trainOnDatasets(cfg, train, testSet, dir, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.message?.startsWith(`epoch ${stopAfter} done`)) ac.abort();
      },
    }),
    AbortedError,
  );
}

const metricsLessDate = (dir: string) => {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete m.date;
  return m;
};

for (const [name, over] of runs)
  test(`training (${name}) stopped after an epoch resumes to the same weights.bin bytes`, async () => {
    const cfg = { ...base, ...over };
    const whole = tmp();
    await trainOnDatasets(cfg, train, testSet, whole);
    const parted = tmp();
    await stopAfterEpoch(cfg, parted, 1);
    const logs: string[] = [];
    await trainOnDatasets(cfg, train, testSet, parted, { resume: true, log: (l) => logs.push(l) });
    assert.ok(!logs.some((l) => l.startsWith('warning')), logs.join('\n'));
    const read = (d: string, f: string) => fs.readFileSync(path.join(d, f));
    assert.ok(read(parted, 'weights.bin').equals(read(whole, 'weights.bin')), 'weights.bin');
    assert.deepEqual(metricsLessDate(parted), metricsLessDate(whole));
    const manifest = JSON.parse(read(parted, 'manifest.json').toString()) as { resume?: unknown };
    assert.equal(manifest.resume, undefined, 'an exact resume is not flagged');
  });

test('an Adam snapshot without the accumulated powers (older format) resumes with a one-line warning, flagged in the manifest', async () => {
  const dir = tmp();
  await stopAfterEpoch(base, dir, 1);
  // Rewrite snapshot 0001 as an older version wrote it: tfjs's own slots only.
  const snap = path.join(dir, 'epochs', '0001');
  const state = JSON.parse(fs.readFileSync(path.join(snap, 'state.json'), 'utf8')) as {
    optimizerSpecs: tf.io.WeightsManifestEntry[];
  };
  const powers = state.optimizerSpecs.filter((s) => s.name.startsWith('rfl/adam/'));
  assert.equal(powers.length, 2, 'the new format saves both powers');
  state.optimizerSpecs = state.optimizerSpecs.filter((s) => !s.name.startsWith('rfl/adam/'));
  fs.writeFileSync(path.join(snap, 'state.json'), JSON.stringify(state));
  const bin = fs.readFileSync(path.join(snap, 'optimizer.bin'));
  fs.writeFileSync(path.join(snap, 'optimizer.bin'), bin.subarray(0, bin.length - 8));
  const logs: string[] = [];
  await trainOnDatasets(base, train, testSet, dir, { resume: true, log: (l) => logs.push(l) });
  const warnings = logs.filter((l) => l.startsWith('warning'));
  assert.equal(warnings.length, 1, logs.join('\n'));
  assert.ok(warnings[0]!.includes(ADAM_POWERS_MISSING) && !warnings[0]!.includes('\n'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    resume?: { bitIdentical: boolean; why: string[] };
  };
  assert.equal(manifest.resume?.bitIdentical, false);
  assert.match(manifest.resume?.why[0] ?? '', /resumed after epoch 1: .*not be bit-identical/);
});
