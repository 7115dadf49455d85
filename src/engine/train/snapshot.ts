/**
 * Epoch snapshots for resumable training. Each epoch's weights, optimizer state and loop state
 * go into a staging folder that is renamed to `epochs/NNNN` in one step: a snapshot folder
 * either exists whole or not at all, whatever moment the process is killed.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../formats/atomic';
import { removeDirAtomic, removeStaleStaging, writeDirAtomic } from '../formats/atomicDir';
import { serializeModel } from '../models/checkpoint';
import { canonicalVariableNames } from '../models/canonicalNames';
import { encodeOptimizerState, restoreOptimizerState } from './optimizer';
import { killPoint } from '../testKill';

export interface LoopState {
  epochsDone: number;
  history: EpochRecord[];
  trainSec: number;
  /**
   * Why this run is not bit-identical to an uninterrupted one, when a resume could not restore
   * everything the next step depends on (kept through later snapshots into the manifest).
   */
  inexactResume?: string[];
}

/** The warning for an Adam snapshot written before its accumulated powers were saved. */
export const ADAM_POWERS_MISSING =
  "the snapshot predates saving Adam's accumulated bias-correction powers: the resumed run " +
  'continues with recomputed ones and will not be bit-identical to an uninterrupted run';

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  testAccuracy?: number;
  lr: number;
  /** The whole epoch: training steps, the test-set evaluation and the snapshot. */
  seconds: number;
  /** The training steps alone (batching, forward, backward, update): what the bench times. */
  trainSeconds?: number;
  /** The test-set accuracy at the epoch's end. */
  evalSeconds?: number;
  /** Images per second of the training steps (seen / trainSeconds), comparable to the bench's
   * training step; the end-of-epoch evaluation is in evalSeconds, not in this rate. */
  imagesPerSec: number;
  /** Resident memory of the whole process and live tensors at the epoch's end: a leak shows as growth across epochs. */
  rssMiB?: number;
  /** This thread's wasm heap and JS heap (backend/memory.ts): what RSS cannot attribute to a thread. */
  wasmHeapMiB?: number;
  jsHeapMiB?: number;
  tensors?: number;
}

const KEEP = 2;

export async function writeSnapshot(
  outDir: string,
  model: tfl.LayersModel,
  opt: tf.Optimizer,
  state: LoopState,
): Promise<string> {
  const epochsDir = path.join(outDir, 'epochs');
  const final = path.join(epochsDir, String(state.epochsDone).padStart(4, '0'));
  const { json, weights } = await serializeModel(model);
  const optState = await encodeOptimizerState(opt, canonicalVariableNames(model));
  removeStaleStaging(epochsDir);
  await writeDirAtomic(final, (staging) => {
    writeFileAtomic(path.join(staging, 'weights.bin'), weights);
    writeFileAtomic(path.join(staging, 'model.json'), json);
    killPoint('snapshot', outDir);
    writeFileAtomic(path.join(staging, 'optimizer.bin'), optState.data);
    writeFileAtomic(
      path.join(staging, 'state.json'),
      JSON.stringify({ ...state, optimizerSpecs: optState.specs }),
    );
  });
  for (const old of listSnapshots(outDir).slice(0, -KEEP))
    removeDirAtomic(path.join(epochsDir, old));
  return final;
}

export function listSnapshots(outDir: string): string[] {
  const epochsDir = path.join(outDir, 'epochs');
  if (!fs.existsSync(epochsDir)) return [];
  return fs
    .readdirSync(epochsDir)
    .filter((n) => /^\d{4}$/.test(n))
    .sort();
}

/**
 * Restores weights and optimizer state from the newest snapshot; undefined when there is none.
 * `warning` says why the continuation will not be bit-identical, when it cannot be.
 */
export async function restoreLatest(
  outDir: string,
  model: tfl.LayersModel,
  opt: tf.Optimizer,
): Promise<{ state: LoopState; warning?: string } | undefined> {
  const last = listSnapshots(outDir).at(-1);
  if (!last) return undefined;
  const dir = path.join(outDir, 'epochs', last);
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as LoopState & {
    optimizerSpecs: tf.io.WeightsManifestEntry[];
  };
  const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const wbuf = fs.readFileSync(path.join(dir, 'weights.bin'));
  const specs = mj.weightsManifest.flatMap((g) => g.weights);
  const named = tf.io.decodeWeights(
    wbuf.buffer.slice(wbuf.byteOffset, wbuf.byteOffset + wbuf.byteLength),
    specs,
  );
  // Weights are matched by position: the same architecture built the same way names them alike
  // up to tfjs's per-process uid suffixes.
  const values = specs.map((s) => named[s.name] as tf.Tensor);
  model.setWeights(values);
  values.forEach((t) => t.dispose());
  const { exact } = await restoreOptimizerState(
    opt,
    state.optimizerSpecs,
    fs.readFileSync(path.join(dir, 'optimizer.bin')),
  );
  const warning = exact
    ? undefined
    : `resumed after epoch ${state.epochsDone}: ${ADAM_POWERS_MISSING}`;
  const inexact = [...(state.inexactResume ?? []), ...(warning ? [warning] : [])];
  return {
    state: {
      epochsDone: state.epochsDone,
      history: state.history,
      trainSec: state.trainSec,
      ...(inexact.length ? { inexactResume: inexact } : {}),
    },
    warning,
  };
}
