/**
 * Small synthetic datasets whose features are robust or non-robust by construction, for tests of
 * training, attacks and dataset construction (paper §2's definitions made concrete).
 */
import type { Dataset } from '../../src/engine/types';
import { makeRng } from '../../src/engine/data/rng';

/**
 * Two classes on h×w×1 images. The left half carries a robust feature: its pixels sit at
 * 0.5 ± `robustAmp` (sign = class), blurred by noise so that it predicts the label only
 * `robustAgreement` of the time. The right half carries a non-robust feature: ±`nonRobustAmp`
 * (tiny in L2) that predicts the label every time. An L2 perturbation of ε ≳ nonRobustAmp·√(h·w/2)
 * flips the non-robust feature but not the robust one.
 */
export function robustNonRobustTask(n: number, seed: number, o: { h?: number; w?: number; robustAmp?: number; nonRobustAmp?: number; robustAgreement?: number } = {}): Dataset {
  const h = o.h ?? 4, w = o.w ?? 4;
  const robustAmp = o.robustAmp ?? 0.25, nonRobustAmp = o.nonRobustAmp ?? 0.05, agree = o.robustAgreement ?? 0.85;
  const rng = makeRng(seed);
  const images = new Float32Array(n * h * w);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(2);
    labels[i] = y;
    const s = y === 1 ? 1 : -1;
    const robustSign = rng.next() < agree ? s : -s;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const left = c < w / 2;
        const v = left ? 0.5 + robustSign * robustAmp + 0.05 * rng.normal() : 0.5 + s * nonRobustAmp;
        images[i * h * w + r * w + c] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return { images, labels, shape: [n, h, w, 1], numClasses: 2, source: `synthetic robust/non-robust task (seed ${seed})` };
}
