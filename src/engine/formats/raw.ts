/**
 * Datasets before conversion to float. Loaders keep pixels as the file stores them
 * (uint8 for IDX / CIFAR / PNG) and only convert the images actually selected: a 1,000-image
 * subset of CIFAR-10 should not first allocate 600 MB of float32 for all 50,000.
 */
import type { Dataset } from '../types';

export interface RawDataset {
  /** uint8 in 0..255, or float32 already in [0,1]; NHWC. */
  pixels: Uint8Array | Float32Array;
  labels: Int32Array;
  shape: [number, number, number, number];
  numClasses: number;
  classNames?: string[];
  source: string;
  /** What the loader changed, in words (e.g. "NCHW transposed to NHWC"), for manifests. */
  conversions?: string[];
}

/** Converts the images at `indices` (all, in order, if omitted) into a float Dataset. */
export function materialize(raw: RawDataset, indices?: ArrayLike<number>): Dataset {
  const [n, h, w, c] = raw.shape;
  const per = h * w * c;
  const count = indices ? indices.length : n;
  const images = new Float32Array(count * per);
  const labels = new Int32Array(count);
  const isU8 = raw.pixels instanceof Uint8Array;
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k]! : k;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`index ${i} out of range for ${n} images`);
    }
    const src = raw.pixels.subarray(i * per, (i + 1) * per);
    if (isU8) {
      const dst = k * per;
      for (let j = 0; j < per; j++) images[dst + j] = src[j]! / 255;
    } else {
      images.set(src, k * per);
    }
    labels[k] = raw.labels[i]!;
  }
  const out: Dataset = {
    images,
    labels,
    shape: [count, h, w, c],
    numClasses: raw.numClasses,
    source: raw.source,
  };
  if (raw.classNames) out.classNames = [...raw.classNames];
  if (raw.conversions) out.conversions = [...raw.conversions];
  return out;
}

/** A copy of the images at `indices` (in that order; repeats allowed). */
export function subset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  return materialize({ ...dataset, pixels: dataset.images }, indices);
}

/**
 * Consecutive batches as zero-copy views (`subarray`) of the dataset; the last batch is
 * smaller unless `dropLast`. Shuffle first (subset with a permutation) for SGD.
 */
export function* batches(
  dataset: Dataset,
  batchSize: number,
  opts: { dropLast?: boolean } = {},
): Generator<Dataset & { start: number }> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const [n, h, w, c] = dataset.shape;
  const per = h * w * c;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (opts.dropLast && end - start < batchSize) return;
    yield {
      images: dataset.images.subarray(start * per, end * per),
      labels: dataset.labels.subarray(start, end),
      shape: [end - start, h, w, c],
      numClasses: dataset.numClasses,
      ...(dataset.classNames ? { classNames: dataset.classNames } : {}),
      source: dataset.source,
      start,
    };
  }
}

/** Checks labels are integers in [0, numClasses); names the file and first bad index. */
export function firstBadLabel(labels: ArrayLike<number>, numClasses: number): number {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l < numClasses)) return i;
  }
  return -1;
}
