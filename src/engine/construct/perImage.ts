/**
 * Per-image random choices, each a function of (seed, global image index, purpose) only, so that a
 * dataset built whole, in chunks, resumed or in shards on n machines is the same dataset.
 */
import { makeRng, type Rng } from '../formats/rng';

const PURPOSE = { start: 1, target: 2, noise: 3 } as const;

export function imageRng(seed: number, index: number, purpose: keyof typeof PURPOSE): Rng {
  return makeRng(seed * 4_194_301 + index * 8 + PURPOSE[purpose]);
}

/** The start of x_r for image i: another training image, drawn independently of the label. */
export function startIndex(seed: number, i: number, n: number): number {
  if (n < 2) throw new Error('the other-image start needs at least two training images');
  const j = imageRng(seed, i, 'start').int(n - 1);
  return j >= i ? j + 1 : j;
}

/** D_rand: t uniform over the C classes (paper §3.2); D_det: t = (y + 1) mod C. */
export function targetLabel(
  kind: 'rand' | 'det',
  seed: number,
  i: number,
  y: number,
  numClasses: number,
): number {
  return kind === 'det' ? (y + 1) % numClasses : imageRng(seed, i, 'target').int(numClasses);
}

/** The noise start 0.5 + N(0,1)/20, clipped to [0,1]. */
export function noiseStart(seed: number, i: number, size: number): Float32Array {
  const rng = imageRng(seed, i, 'noise');
  const out = new Float32Array(size);
  for (let k = 0; k < size; k++) out[k] = Math.min(1, Math.max(0, 0.5 + rng.normal() / 20));
  return out;
}
