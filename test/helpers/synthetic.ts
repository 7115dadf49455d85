/**
 * Small synthetic datasets whose features are robust or non-robust by construction, for tests of
 * training, attacks and dataset construction (paper §2's definitions made concrete).
 */
import type { Dataset } from '../../src/engine/types';
import { makeRng } from '../../src/engine/formats/rng';

export interface TaskOptions {
  h?: number;
  w?: number;
  /** Pixels 0 … robustPixels−1 (row-major) carry the robust feature, the rest the non-robust one. */
  robustPixels?: number;
  robustAmp?: number;
  nonRobustAmp?: number;
  /** How often the robust feature agrees with the label. */
  robustAgreement?: number;
}

/**
 * Two classes on h×w×1 images. The robust pixels sit at 0.5 ± robustAmp (sign = class, flipped
 * with probability 1 − robustAgreement, plus N(0, 0.05²) noise): far apart in L2, hence robust.
 * The other pixels sit at 0.5 ± nonRobustAmp (sign = class, always): perfectly predictive but
 * only 2·nonRobustAmp·√(pixels) apart in L2, so a small ε flips them.
 */
export function robustNonRobustTask(n: number, seed: number, o: TaskOptions = {}): Dataset {
  const h = o.h ?? 4,
    w = o.w ?? 4;
  const robustPixels = o.robustPixels ?? (h * w) / 2;
  const robustAmp = o.robustAmp ?? 0.25,
    nonRobustAmp = o.nonRobustAmp ?? 0.05,
    agree = o.robustAgreement ?? 0.85;
  const rng = makeRng(seed);
  const images = new Float32Array(n * h * w);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(2);
    labels[i] = y;
    const s = y === 1 ? 1 : -1;
    const robustSign = rng.next() < agree ? s : -s;
    for (let p = 0; p < h * w; p++) {
      const v =
        p < robustPixels
          ? 0.5 + robustSign * robustAmp + 0.05 * rng.normal()
          : 0.5 + s * nonRobustAmp;
      images[i * h * w + p] = Math.min(1, Math.max(0, v));
    }
  }
  return {
    images,
    labels,
    shape: [n, h, w, 1],
    numClasses: 2,
    source: `synthetic robust/non-robust task (seed ${seed})`,
  };
}

/** E[y·f(x)] for y ∈ {±1} and f = mean over the feature's pixels of (pixel − 0.5). */
export function featureCorrelation(
  ds: Dataset,
  feature: 'robust' | 'nonRobust',
  robustPixels: number,
): number {
  const [n, h, w] = ds.shape;
  const [from, to] = feature === 'robust' ? [0, robustPixels] : [robustPixels, h * w];
  let s = 0;
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let p = from; p < to; p++) f += (ds.images[i * h * w + p] as number) - 0.5;
    s += (ds.labels[i] === 1 ? 1 : -1) * (f / (to - from));
  }
  return s / n;
}
