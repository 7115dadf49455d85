/**
 * Mini-batches from an in-memory Dataset: seeded order per epoch (so a resumed run sees the same
 * batches as an uninterrupted one), optional random crop + flip for CIFAR-like data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../types';
import { makeRng } from '../formats/rng';

/** The sample order of one epoch: a function of (seed, epoch) only. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  makeRng(seed * 7919 + epoch + 1).shuffle(order);
  return order;
}

/** Copies the selected images into one NHWC Float32Array (optionally augmented). */
export function gatherImages(
  ds: Dataset,
  idx: ArrayLike<number>,
  augment?: { seed: number },
): Float32Array {
  const [, h, w, c] = ds.shape;
  const size = h * w * c;
  const out = new Float32Array(idx.length * size);
  const rng = augment ? makeRng(augment.seed) : undefined;
  for (let b = 0; b < idx.length; b++) {
    const src = (idx[b] as number) * size;
    if (!rng) {
      out.set(ds.images.subarray(src, src + size), b * size);
      continue;
    }
    // Random crop with 4 pixels of zero padding and a horizontal flip (the usual CIFAR recipe).
    const dy = rng.int(9) - 4;
    const dx = rng.int(9) - 4;
    const flip = rng.next() < 0.5;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx0 = x + dx;
        const sx = flip ? w - 1 - sx0 : sx0;
        if (sx0 < 0 || sx0 >= w) continue;
        for (let ch = 0; ch < c; ch++)
          out[b * size + (y * w + x) * c + ch] = ds.images[src + (sy * w + sx) * c + ch] as number;
      }
    }
  }
  return out;
}

export function batchTensors(
  ds: Dataset,
  idx: ArrayLike<number>,
  augment?: { seed: number },
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [, h, w, c] = ds.shape;
  const x = tf.tensor4d(gatherImages(ds, idx, augment), [idx.length, h, w, c]);
  const labels = Int32Array.from(
    { length: idx.length },
    (_, i) => ds.labels[idx[i] as number] as number,
  );
  return { x, y: tf.tensor1d(labels, 'int32') };
}

/** Index ranges [start, end) of consecutive batches covering n items. */
export function* batchRanges(n: number, batchSize: number): Generator<[number, number]> {
  for (let s = 0; s < n; s += batchSize) yield [s, Math.min(n, s + batchSize)];
}
