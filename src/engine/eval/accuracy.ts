/** Standard (clean) accuracy and batched prediction. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset, JobContext } from '../types';
import { cancellationPoint } from '../types';
import { batchRanges, batchTensors } from '../train/batches';
import { inferenceApply } from '../models/foldedInference';

export type LogitsFn = (x: tf.Tensor4D) => tf.Tensor2D;

/** The model in inference mode (batch-norm uses its moving statistics) as a logits function. */
export function inferenceFn(model: tfl.LayersModel): LogitsFn {
  return (x) => inferenceApply(model, x) as tf.Tensor2D;
}

/** Predicted classes for the whole dataset. */
export async function predictLabels(
  fn: LogitsFn,
  ds: Dataset,
  batchSize = 256,
  ctx: JobContext = {},
): Promise<Int32Array> {
  const out = new Int32Array(ds.shape[0]);
  const all = Int32Array.from({ length: ds.shape[0] }, (_, i) => i);
  for (const [s, e] of batchRanges(ds.shape[0], batchSize)) {
    await cancellationPoint(ctx.signal, 'evaluation');
    const pred = tf.tidy(() => {
      const { x } = batchTensors(ds, all.subarray(s, e));
      return tf.argMax(fn(x), 1);
    });
    out.set(await pred.data(), s);
    pred.dispose();
  }
  return out;
}

export async function standardAccuracy(
  fn: LogitsFn,
  ds: Dataset,
  batchSize = 256,
  ctx: JobContext = {},
): Promise<number> {
  return fractionCorrect(await predictLabels(fn, ds, batchSize, ctx), ds.labels);
}

/** Fraction of predictions equal to the labels (0 for none). */
export function fractionCorrect(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) right++;
  return labels.length ? right / labels.length : 0;
}
