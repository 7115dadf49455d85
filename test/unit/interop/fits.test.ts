/** A checkpoint (or a training run being resumed) that meets data of another shape, in words. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { assertCheckpointFits } from '../../../src/engine/models/fits';
import { trainOnDatasets } from '../../../src/engine/train/trainModel';
import type { TrainConfig } from '../../../src/engine/train/config';
import { robustNonRobustTask } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

test('assertCheckpointFits: size, channels and class count in words', () => {
  const m = { inputShape: [32, 32, 3], numClasses: 10 };
  assert.throws(
    () =>
      assertCheckpointFits('runs/x', m, {
        shape: [5, 28, 28, 1],
        numClasses: 10,
        source: 'fashion-mnist',
      }),
    /^ShapeMismatchError: checkpoint runs\/x expects 32×32×3 images; fashion-mnist has 28×28×1\. The channel counts differ/,
  );
  assert.throws(
    () =>
      assertCheckpointFits('runs/x', m, {
        shape: [5, 28, 28, 3],
        numClasses: 10,
        source: 'folder:/d',
      }),
    /has 28×28×3\. Use data of that size \(an image folder resizes with --size 32x32\)/,
  );
  assert.throws(
    () =>
      assertCheckpointFits('runs/x', m, {
        shape: [5, 32, 32, 3],
        numClasses: 300,
        source: 'npy:/d',
      }),
    /checkpoint runs\/x has 10 classes; npy:\/d has 300\. .*--classes/,
  );
  assertCheckpointFits('runs/x', m, { shape: [5, 32, 32, 3], numClasses: 10, source: 'npy:/d' });
});

test('train --resume on data of another size stops before restoring, naming both shapes', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-fits-'));
  const cfg: TrainConfig = {
    model: 'mlp',
    data: 'synthetic',
    epochs: 2,
    batchSize: 32,
    optimizer: 'adam',
    lr: 1e-3,
    seed: 1,
  };
  const ac = new AbortController();
  await assert.rejects(
    trainOnDatasets(cfg, robustNonRobustTask(64, 1), robustNonRobustTask(32, 2), out, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.message?.startsWith('epoch 1 done')) ac.abort();
      },
    }),
  );
  // The same spec now holds 5×5 images (files replaced): resuming must not load 4×4 weights.
  const other = {
    ...robustNonRobustTask(64, 1, { h: 5, w: 5, robustPixels: 12 }),
    source: 'synthetic',
  };
  const otherTest = robustNonRobustTask(32, 2, { h: 5, w: 5, robustPixels: 12 });
  await assert.rejects(
    trainOnDatasets(cfg, other, otherTest, out, { resume: true }),
    new RegExp(`^ShapeMismatchError: checkpoint ${out} expects 4×4×1 images; synthetic has 5×5×1`),
  );
});
