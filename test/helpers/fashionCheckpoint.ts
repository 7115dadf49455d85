/**
 * A model trained here on real Fashion-MNIST, for tests that attack or evaluate a real
 * checkpoint: `trainLimit` training images (seed 1) and `testLimit` test images (seed 2, also the
 * training run's test set), the project's default recipe with `config` on top, written to a fresh
 * temporary folder whose name starts with `prefix`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend/ladder';
import { loadDataset } from '../../src/engine/formats/load';
import { trainOnDatasets } from '../../src/engine/train/trainModel';
import { DEFAULT_TRAIN, type TrainConfig } from '../../src/engine/train/config';
import { loadCheckpoint } from '../../src/engine/models/checkpoint';
import { inferenceFn, type LogitsFn } from '../../src/engine/eval/accuracy';
import type { Dataset } from '../../src/engine/types';

export interface FashionCheckpoint {
  /** The checkpoint folder. */
  dir: string;
  testSet: Dataset;
  /** The trained model in inference mode. */
  fn: LogitsFn;
}

export async function fashionCheckpoint(o: {
  prefix: string;
  trainLimit: number;
  testLimit: number;
  config: Partial<TrainConfig> & Pick<TrainConfig, 'model'>;
}): Promise<FashionCheckpoint> {
  await initBackend('wasm');
  const train = await loadDataset('fashion-mnist', {
    split: 'train',
    limit: o.trainLimit,
    seed: 1,
  });
  const testSet = await loadDataset('fashion-mnist', {
    split: 'test',
    limit: o.testLimit,
    seed: 2,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  await trainOnDatasets(
    { ...DEFAULT_TRAIN, data: 'fashion-mnist', ...o.config },
    train,
    testSet,
    dir,
  );
  return { dir, testSet, fn: inferenceFn((await loadCheckpoint(dir)).model) };
}
