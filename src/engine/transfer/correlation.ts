/**
 * Pearson and Spearman correlations with percentile-bootstrap confidence intervals, for Figure 3's
 * few points (one per architecture). Written here rather than taken from a statistics package:
 * the bootstrap must draw from the project's seeded generator (data/rng.ts) so that a run's seed
 * reproduces its intervals, and a resample whose points all share one x or one y (frequent with
 * six to eight points) has no correlation: it is counted and left out, not scored as 0.
 */
import { makeRng } from '../formats/rng';

/** NaN when either variable is constant (no correlation is defined). */
export function pearsonR(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma,
      db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Ranks 1..n, ties given their average rank (what Spearman's ρ with ties needs). */
export function ranks(v: ArrayLike<number>): number[] {
  const order = Array.from({ length: v.length }, (_, i) => i).sort(
    (i, j) => (v[i] as number) - (v[j] as number),
  );
  const r = new Array<number>(v.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && v[order[e + 1]!] === v[order[s]!]) e++;
    for (let k = s; k <= e; k++) r[order[k]!] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

/** Spearman's ρ: Pearson's r of the ranks. */
export const spearmanRho = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  pearsonR(ranks(a), ranks(b));

/**
 * Fewer points than this make no correlation: two points always give r = ±1 and every bootstrap
 * resample of them either repeats one point (undefined) or the same pair, so the "interval" would
 * be [±1, ±1]. Reporting that as a measurement would mislead; r and the interval are NaN instead.
 */
export const MIN_CORRELATION_POINTS = 3;

export interface CorrelationWithCI {
  /** NaN with fewer than MIN_CORRELATION_POINTS points or a constant variable. */
  r: number;
  /** 95% percentile-bootstrap interval over resampled points; NaN when no resample had one. */
  ci: [number, number];
  /** Resamples drawn, and of them those with a constant variable (left out). */
  resamples: number;
  degenerate: number;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function bootstrapCorrelation(
  x: number[],
  y: number[],
  stat: (a: number[], b: number[]) => number,
  o: { resamples: number; seed: number },
): CorrelationWithCI {
  const n = x.length;
  if (n < MIN_CORRELATION_POINTS) return { r: NaN, ci: [NaN, NaN], resamples: 0, degenerate: 0 };
  const rng = makeRng(o.seed);
  const values: number[] = [];
  let degenerate = 0;
  for (let b = 0; b < o.resamples; b++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const v = stat(
      idx.map((i) => x[i] as number),
      idx.map((i) => y[i] as number),
    );
    if (Number.isNaN(v)) degenerate++;
    else values.push(v);
  }
  values.sort((a, b) => a - b);
  return {
    r: stat(x, y),
    ci: [quantile(values, 0.025), quantile(values, 0.975)],
    resamples: o.resamples,
    degenerate,
  };
}
