/**
 * A model written as a checkpoint folder the product reads (model.json, weights.bin and a
 * complete manifest.json) without training it: for tests that need a checkpoint of a given arch
 * and shape, or with weights they set themselves.
 */
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  writeJsonAtomic,
  writeModelFiles,
  type CheckpointManifest,
} from '../../src/engine/models/checkpoint';

export async function writeCheckpointFolder(
  dir: string,
  model: tfl.LayersModel,
  m: Pick<CheckpointManifest, 'arch' | 'inputShape' | 'numClasses' | 'seed'> &
    Partial<CheckpointManifest>,
): Promise<void> {
  await writeModelFiles(dir, model);
  const manifest: CheckpointManifest = {
    kind: 'checkpoint',
    dataset: '',
    training: {},
    backend: 'wasm',
    versions: {},
    epochsDone: 0,
    timings: { trainSec: 0 },
    createdAt: new Date().toISOString(),
    ...m,
  };
  writeJsonAtomic(path.join(dir, 'manifest.json'), manifest);
}
