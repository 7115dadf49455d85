import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { trainOnDatasets, trainModel, NaNLossError } from '../../../src/engine/train/trainModel';
import type { TrainConfig } from '../../../src/engine/train/config';
import { loadCheckpoint } from '../../../src/engine/models/checkpoint';
import { inferenceFn, standardAccuracy } from '../../../src/engine/eval/accuracy';
import { evaluateRobustness } from '../../../src/engine/eval/robust';
import { AbortedError } from '../../../src/engine/types';
import { robustNonRobustTask } from '../../helpers/synthetic';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-train-'));
const base: TrainConfig = {
  model: 'mlp',
  data: 'synthetic',
  epochs: 3,
  batchSize: 32,
  optimizer: 'adam',
  lr: 3e-3,
  seed: 7,
};

before(async () => {
  await initBackend('wasm');
});

async function weightsOf(dir: string): Promise<Float32Array[]> {
  const c = await loadCheckpoint(dir);
  const w = c.model.getWeights().map((t) => t.dataSync() as Float32Array);
  c.model.dispose();
  return w;
}

test('a run stopped after an epoch and resumed ends with the same weights as an uninterrupted run', async () => {
  const train = robustNonRobustTask(256, 1);
  const testSet = robustNonRobustTask(128, 2);
  const whole = tmp();
  await trainOnDatasets(base, train, testSet, whole);
  const parted = tmp();
  const ac = new AbortController();
  await assert.rejects(
    trainOnDatasets(base, train, testSet, parted, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.message?.startsWith('epoch 1 done')) ac.abort();
      },
    }),
    AbortedError,
  );
  assert.deepEqual(fs.readdirSync(path.join(parted, 'epochs')), ['0001']);
  assert.ok(
    !fs.existsSync(path.join(parted, 'model.json')),
    'no final checkpoint before the run ends',
  );
  await assert.rejects(
    trainOnDatasets(base, train, testSet, parted),
    /already holds a training run: resume it/,
  );
  await assert.rejects(
    trainOnDatasets({ ...base, lr: 1e-2 }, train, testSet, parted, { resume: true }),
    /configuration differs in lr/,
  );
  const r = await trainOnDatasets(base, train, testSet, parted, { resume: true });
  assert.equal(r.history.length, 3);
  assert.deepEqual(await weightsOf(parted), await weightsOf(whole));
  // Each epoch's time split into its training steps and its test evaluation; the rate is the
  // training steps' (what the bench compares), not diluted by the evaluation.
  for (const h of r.history) {
    assert.ok(h.trainSeconds! > 0 && h.evalSeconds! >= 0, JSON.stringify(h));
    assert.ok(Math.abs(h.trainSeconds! + h.evalSeconds! - h.seconds) < 1e-9, JSON.stringify(h));
    assert.ok(Math.abs(h.imagesPerSec - 256 / h.trainSeconds!) < 1e-6, JSON.stringify(h));
  }
});

test('a NaN loss stops the run with a clear error and writes no checkpoint for the bad epoch', async () => {
  const train = robustNonRobustTask(64, 3);
  train.images[5] = Number.NaN;
  const dir = tmp();
  await assert.rejects(
    trainOnDatasets({ ...base, epochs: 1 }, train, train, dir),
    (e: unknown) => e instanceof NaNLossError && /loss became NaN at epoch 1/.test(e.message),
  );
  assert.ok(!fs.existsSync(path.join(dir, 'epochs', '0001')));
});

test('adversarial training relies on the robust feature: higher robust accuracy than standard training', async () => {
  const train = robustNonRobustTask(1024, 11);
  const testSet = robustNonRobustTask(256, 12);
  const eps = 0.5;
  const cfg: TrainConfig = { ...base, epochs: 8, lr: 3e-3 };
  const std = await trainOnDatasets(cfg, train, testSet, tmp());
  const adv = await trainOnDatasets(
    { ...cfg, adversarial: { norm: 'l2', eps, steps: 7 } },
    train,
    testSet,
    tmp(),
  );
  const robustAcc = async (dir: string) => {
    const c = await loadCheckpoint(dir);
    const r = await evaluateRobustness(inferenceFn(c.model), testSet, {
      norm: 'l2',
      eps: [eps],
      steps: 20,
      restarts: 0,
      randomStart: false,
      seed: 0,
      batchSize: 128,
    });
    c.model.dispose();
    return r.robustAcc[String(eps)] as number;
  };
  const stdRobust = await robustAcc(std.checkpointDir);
  const advRobust = await robustAcc(adv.checkpointDir);
  assert.ok(
    std.metrics.standardAcc > 0.95,
    `standard training fits the non-robust feature (${std.metrics.standardAcc})`,
  );
  assert.ok(stdRobust < 0.5, `standard model is not robust (${stdRobust})`);
  assert.ok(advRobust > stdRobust + 0.3, `adversarial ${advRobust} vs standard ${stdRobust}`);
});

test('real data: an mlp trained one epoch on 2,000 Fashion-MNIST images beats 70% test accuracy; files are complete', async () => {
  // tfjs-layers caches a few constants on first use: count tensors after a warm-up run.
  await trainOnDatasets(
    { ...base, epochs: 1 },
    robustNonRobustTask(32, 5),
    robustNonRobustTask(32, 6),
    tmp(),
  );
  const dir = tmp();
  const before = tf.memory().numTensors;
  const r = await trainModel(
    {
      ...base,
      data: 'fashion-mnist',
      trainLimit: 2000,
      testLimit: 500,
      epochs: 1,
      batchSize: 64,
      lr: 1e-3,
    },
    dir,
  );
  assert.ok(r.metrics.standardAcc > 0.7, `accuracy ${r.metrics.standardAcc}`);
  assert.equal(r.metrics.n, 500);
  assert.match(r.metrics.backend, /^wasm/);
  for (const f of ['model.json', 'weights.bin', 'manifest.json', 'metrics.json'])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    arch: string;
    seed: number;
    versions: Record<string, string>;
  };
  assert.equal(manifest.arch, 'mlp');
  assert.ok(manifest.versions.tfjs);
  const c = await loadCheckpoint(dir);
  const test2 = { ...(await import('../../../src/engine/formats/load')) };
  const ds = await test2.loadDataset('fashion-mnist', { split: 'test', limit: 500, seed: 7 });
  assert.equal(
    await standardAccuracy(inferenceFn(c.model), ds),
    r.metrics.standardAcc,
    'the saved model scores what metrics.json says',
  );
  c.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'training and loading leave no tensor behind');
});
