/**
 * The Square attack (Andriushchenko, Croce, Flammarion & Hein 2020), AutoAttack's gradient-free
 * member: random search that only queries the model's logits, so masked or zero gradients do not
 * stop it. Each query changes the current perturbation inside a random square window (side
 * shrinking with the query count, `squareSide`) and keeps the change when the margin loss
 * z_y − max_{i≠y} z_i decreases; an example is done once its margin is ≤ 0.
 *
 * Proposal distributions:
 * - ℓ∞: the start is vertical stripes of ±ε; a proposal sets a window of the image to x ± ε, one
 *   sign per channel.
 * - ℓ2: the start is a grid of ±"pseudo-Gaussian" bumps (`squareBump`) rescaled to norm ε; a
 *   proposal moves the perturbation's mass of the window and of a second window into a new bump
 *   in the first, keeping the total norm at ε.
 * Every random choice comes from the seeded project PRNG. ℓ∞ draws a window and signs per image
 * (`proposeLinf`); ℓ2 draws its two windows and its bump once per query for the batch and its
 * signs per image and channel, as both reference implementations do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeRng, type Rng } from '../formats/rng';
import { cancellationPoint } from '../types';
import { marginPerExample } from './losses';
import type { AttackModel } from './types';
import { UnbrokenSet, type AttackRunResult } from './unbroken';

export interface SquareOptions {
  norm: 'l2' | 'linf';
  eps: number;
  /** Model queries per example and restart (AutoAttack: 5,000). */
  queries: number;
  /** Fraction of the image the first windows cover (the reference's 0.8). */
  pInit?: number;
  restarts?: number;
  seed: number;
  signal?: AbortSignal;
  /** After each query round: restart, query index. */
  onQuery?: (restart: number, query: number, remaining: number) => void;
}

export const SQUARE_DEFAULT_QUERIES = 5000;
const SQUARE_P_INIT = 0.8;
const SQUARE_GUARD = 1e-12;

/**
 * Fraction p of the image covered by the window at query i: p_init halved at fixed fractions of
 * the budget (the reference's schedule, written for 10,000 queries and rescaled to `queries`).
 */
export function squareFraction(i: number, queries: number, pInit = SQUARE_P_INIT): number {
  const it = Math.floor((i / queries) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  while (halvings < bounds.length && it > bounds[halvings]!) halvings++;
  return halvings === 0 ? pInit : pInit / 2 ** Math.min(halvings, 9);
}

/** Window side for fraction p of an h×w image: round(√(p·h·w)), ≥ minSide, ≤ h − 1. */
export function squareSide(p: number, h: number, w: number, minSide: number): number {
  return Math.min(Math.max(Math.round(Math.sqrt(p * h * w)), minSide), h - 1);
}

/**
 * The ℓ2 proposal's "pseudo-Gaussian" bump on an s×s window: two rectangles of concentric
 * squares, weights 1/(r+1)², of opposite signs, unit ℓ2 norm; randomly transposed.
 */
export function squareBump(s: number, rng: Rng): Float32Array {
  const rect = (rows: number, cols: number): Float32Array => {
    const d = new Float32Array(rows * cols);
    const rc = Math.floor(rows / 2);
    const cc = Math.floor(cols / 2);
    for (let r = 0; r <= Math.max(rc, cc); r++) {
      const w = 1 / (r + 1) ** 2;
      for (let i = Math.max(rc - r, 0); i < Math.min(rc - r + 2 * r + 1, rows); i++)
        for (let j = Math.max(cc - r, 0); j < Math.min(cc - r + 2 * r + 1, cols); j++)
          d[i * cols + j]! += w;
    }
    return normalise(d);
  };
  const top = rect(Math.floor(s / 2), s);
  const bottom = rect(s - Math.floor(s / 2), s);
  const d = new Float32Array(s * s);
  d.set(top, 0);
  for (let k = 0; k < bottom.length; k++) d[top.length + k] = -bottom[k]!;
  normalise(d);
  if (rng.next() > 0.5) {
    const t = new Float32Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) t[j * s + i] = d[i * s + j]!;
    return t;
  }
  return d;
}

function normalise(d: Float32Array): Float32Array {
  let sq = 0;
  for (const v of d) sq += v * v;
  const norm = Math.sqrt(sq) || 1;
  for (let k = 0; k < d.length; k++) d[k] = d[k]! / norm;
  return d;
}

/**
 * The batch as one row-major NHWC array per tensor: every proposal is written straight into the
 * candidates' array and the model sees all of them in one forward pass per query. A proposal
 * touches two small windows of each image; as tfjs ops that is some thirty kernel launches on
 * tiny tensors per query, which cost as much as the model's own forward pass.
 */
export interface Images {
  n: number;
  h: number;
  w: number;
  c: number;
  /** Values per image (h·w·c). */
  row: number;
}

/** A random ±1. */
function sign(rng: Rng): number {
  return rng.next() < 0.5 ? -1 : 1;
}

/** out_i = clip(x_i + ε·δ_i/‖δ_i‖₂, 0, 1) for the image at `xAt` / `outAt`; δ has one image. */
function writeOnL2Sphere(
  out: Float32Array,
  outAt: number,
  x: Float32Array,
  xAt: number,
  delta: Float32Array,
  eps: number,
): void {
  let sq = 0;
  for (const v of delta) sq += v * v;
  const scale = eps / (Math.sqrt(sq) + SQUARE_GUARD);
  for (let k = 0; k < delta.length; k++)
    out[outAt + k] = Math.min(Math.max(x[xAt + k]! + delta[k]! * scale, 0), 1);
}

function startPoint(x: Float32Array, d: Images, o: SquareOptions, rng: Rng): Float32Array {
  const { n, h, w, c, row } = d;
  const out = new Float32Array(n * row);
  if (o.norm === 'linf') {
    // Vertical stripes: one ±ε per (example, column, channel), the same down the column.
    for (let i = 0; i < n; i++) {
      const stripe = Float32Array.from({ length: w * c }, () => sign(rng) * o.eps);
      for (let r = 0; r < h; r++)
        for (let k = 0; k < w * c; k++) {
          const at = i * row + r * w * c + k;
          out[at] = Math.min(Math.max(x[at]! + stripe[k]!, 0), 1);
        }
    }
    return out;
  }
  // A grid of s×s bumps, s = ⌊h/5⌋, each with its own ± per (example, channel).
  const s = Math.floor(h / 5);
  const first = Math.floor((h - 5 * s) / 2);
  const delta = new Float32Array(n * row);
  for (let a = 0, top = first; a < Math.floor(h / s); a++, top += s)
    for (let b = 0, left = first; b < Math.floor(w / s); b++, left += s) {
      if (top + s > h || left + s > w) continue;
      const bump = squareBump(s, rng);
      for (let i = 0; i < n; i++)
        for (let ch = 0; ch < c; ch++) {
          const sg = sign(rng);
          for (let r = 0; r < s; r++)
            for (let q = 0; q < s; q++)
              delta[i * row + ((top + r) * w + left + q) * c + ch]! += sg * bump[r * s + q]!;
        }
    }
  for (let i = 0; i < n; i++)
    writeOnL2Sphere(out, i * row, x, i * row, delta.subarray(i * row, (i + 1) * row), o.eps);
  return out;
}

/** Redraws of an ℓ∞ proposal's signs that left its window unchanged, before taking it anyway. */
const SQUARE_LINF_REDRAWS = 100;

/**
 * ℓ∞ proposal, per image as in the Square authors' code (max-andr/square-attack): a window of
 * its own and a ± per channel of its own, the window set to clip(x ± ε), signs redrawn while
 * the proposal would leave the window as it is (a query that cannot change the point is wasted;
 * on a grey image with 1-pixel windows that is every other one). fra31/auto-attack batches one
 * window and one sign per channel for every image; per image keeps the images' searches
 * independent of each other.
 */
function proposeLinf(
  x: Float32Array,
  best: Float32Array,
  todo: number[],
  cand: Float32Array,
  d: Images,
  o: SquareOptions,
  s: number,
  rng: Rng,
): void {
  const { h, w, c, row } = d;
  const sgn = new Float32Array(c);
  todo.forEach((i, j) => {
    cand.set(best.subarray(i * row, (i + 1) * row), j * row);
    const top = rng.int(h - s);
    const left = rng.int(w - s);
    for (let draw = 0; draw < SQUARE_LINF_REDRAWS; draw++) {
      for (let ch = 0; ch < c; ch++) sgn[ch] = sign(rng) * o.eps;
      let changed = false;
      for (let r = top; r < top + s; r++)
        for (let q = left; q < left + s; q++)
          for (let ch = 0; ch < c; ch++) {
            const k = (r * w + q) * c + ch;
            const v = Math.min(Math.max(x[i * row + k]! + sgn[ch]!, 0), 1);
            // The reference's test for "unchanged": every value within 1e-7 of the best point.
            if (Math.abs(v - best[i * row + k]!) >= 1e-7) changed = true;
            cand[j * row + k] = v;
          }
      if (changed) break;
    }
  });
}

/**
 * ℓ2 proposal: the mass δ held in window 1 and window 2 (plus whatever the image's norm lacks to
 * reach ε) goes into window 1, as the old window-1 pattern plus a fresh ± bump, per channel;
 * window 2 is emptied; the whole δ is rescaled onto the ε-sphere.
 */
function proposeL2(
  x: Float32Array,
  best: Float32Array,
  todo: number[],
  cand: Float32Array,
  d: Images,
  o: SquareOptions,
  s: number,
  rng: Rng,
): void {
  const { h, w, c, row } = d;
  const top = rng.int(h - s);
  const left = rng.int(w - s);
  const top2 = rng.int(h - s);
  const left2 = rng.int(w - s);
  const bump = squareBump(s, rng);
  const inWindow1 = (r: number, q: number) => r >= top && r < top + s && q >= left && q < left + s;
  const delta = new Float32Array(row);
  const win = new Float32Array(s * s * c);
  const oldNorm = new Float64Array(c);
  const winNorm = new Float64Array(c);
  todo.forEach((i, j) => {
    let normImage = 0;
    for (let k = 0; k < row; k++) {
      const v = best[i * row + k]! - x[i * row + k]!;
      delta[k] = v;
      normImage += v * v;
    }
    // The mass of the union of the two windows: window 1, then what of window 2 lies outside it
    // (only the windows' pixels are visited: a query's windows are small beside the image).
    let normWindows = 0;
    for (let r = 0; r < s; r++)
      for (let k = ((top + r) * w + left) * c, end = k + s * c; k < end; k++)
        normWindows += delta[k]! * delta[k]!;
    for (let r = top2; r < top2 + s; r++)
      for (let q = left2; q < left2 + s; q++) {
        if (inWindow1(r, q)) continue;
        for (let k = (r * w + q) * c, end = k + c; k < end; k++)
          normWindows += delta[k]! * delta[k]!;
      }
    oldNorm.fill(0);
    for (let r = 0; r < s; r++)
      for (let q = 0; q < s; q++)
        for (let ch = 0; ch < c; ch++) {
          const v = delta[((top + r) * w + left + q) * c + ch]!;
          oldNorm[ch] = oldNorm[ch]! + v * v;
        }
    const sg = Array.from({ length: c }, () => sign(rng));
    winNorm.fill(0);
    for (let r = 0; r < s; r++)
      for (let q = 0; q < s; q++)
        for (let ch = 0; ch < c; ch++) {
          const v =
            bump[r * s + q]! * sg[ch]! +
            delta[((top + r) * w + left + q) * c + ch]! / (Math.sqrt(oldNorm[ch]!) + SQUARE_GUARD);
          win[(r * s + q) * c + ch] = v;
          winNorm[ch] = winNorm[ch]! + v * v;
        }
    // The windows' mass, plus what the image's norm lacks to reach ε, shared by channel.
    const budget = Math.sqrt(Math.max(o.eps * o.eps - normImage, 0) / c + normWindows);
    for (let r = 0; r < s; r++)
      delta.fill(0, ((top2 + r) * w + left2) * c, ((top2 + r) * w + left2 + s) * c);
    for (let r = 0; r < s; r++)
      for (let q = 0; q < s; q++)
        for (let ch = 0; ch < c; ch++)
          delta[((top + r) * w + left + q) * c + ch] =
            (win[(r * s + q) * c + ch]! * budget) / (Math.sqrt(winNorm[ch]!) + SQUARE_GUARD);
    writeOnL2Sphere(cand, j * row, x, i * row, delta, o.eps);
  });
}

/** The margin z_y − max_{i≠y} z_i of `count` images of `images`, in one forward pass. */
async function margins(
  model: AttackModel,
  images: Float32Array,
  count: number,
  labels: Int32Array,
  d: Images,
): Promise<Float32Array> {
  const m = tf.tidy(() =>
    marginPerExample(
      model(tf.tensor4d(images.subarray(0, count * d.row), [count, d.h, d.w, d.c])),
      tf.tensor1d(labels, 'int32'),
    ),
  );
  try {
    return (await m.data()) as Float32Array;
  } finally {
    m.dispose();
  }
}

/** A batch under attack: the clean images, labels, best points so far and their margins. */
export interface SquareState {
  d: Images;
  x: Float32Array;
  y: Int32Array;
  best: Float32Array;
  margin: Float32Array;
  /** Scratch for the candidates, one row per image. */
  cand: Float32Array;
}

/** The state of a fresh run on `xt`, `yt`: the start point and its margins. */
export async function squareStart(
  model: AttackModel,
  xt: tf.Tensor4D,
  yt: tf.Tensor1D,
  o: SquareOptions,
  rng: Rng,
): Promise<SquareState> {
  const [n, h, w, c] = xt.shape;
  const d: Images = { n, h, w, c, row: h * w * c };
  const x = (await xt.data()) as Float32Array;
  const y = (await yt.data()) as Int32Array;
  const best = startPoint(x, d, o, rng);
  const margin = Float32Array.from(await margins(model, best, n, y, d));
  return { d, x, y, best, margin, cand: new Float32Array(n * d.row) };
}

/**
 * Query q of the budget for the examples `todo`: one proposal each (window side from the p
 * schedule), one forward pass for all, and each proposal kept where it lowered the margin.
 */
export async function squareQuery(
  model: AttackModel,
  st: SquareState,
  todo: number[],
  q: number,
  o: SquareOptions,
  rng: Rng,
): Promise<void> {
  const { d, x, y, best, margin, cand } = st;
  const p = squareFraction(q, o.queries, o.pInit);
  if (o.norm === 'linf') proposeLinf(x, best, todo, cand, d, o, squareSide(p, d.h, d.w, 1), rng);
  else {
    const side = squareSide(p, d.h, d.w, 3);
    const odd = side % 2 === 0 ? Math.min(side + 1, d.h - 1) : side;
    proposeL2(x, best, todo, cand, d, o, odd, rng);
  }
  const m = await margins(
    model,
    cand,
    todo.length,
    Int32Array.from(todo, (i) => y[i]!),
    d,
  );
  // Accept where the margin dropped (it is the loss here, and ≤ 0 means broken).
  todo.forEach((i, j) => {
    if (!(m[j]! < margin[i]!)) return;
    margin[i] = m[j]!;
    best.set(cand.subarray(j * d.row, (j + 1) * d.row), i * d.row);
  });
}

/** One restart on a batch: returns the best points and which examples were broken. */
async function squareRun(
  model: AttackModel,
  xt: tf.Tensor4D,
  yt: tf.Tensor1D,
  o: SquareOptions,
  rng: Rng,
  restart: number,
): Promise<AttackRunResult> {
  const st = await squareStart(model, xt, yt, o, rng);
  for (let q = 0; q < o.queries; q++) {
    await cancellationPoint(o.signal, 'Square attack');
    const todo: number[] = [];
    st.margin.forEach((m, i) => {
      if (m > 0) todo.push(i);
    });
    o.onQuery?.(restart, q, todo.length);
    if (todo.length === 0) break;
    await squareQuery(model, st, todo, q, o, rng);
  }
  return { adv: tf.tensor4d(st.best, xt.shape), success: Array.from(st.margin, (v) => v <= 0) };
}

/**
 * Square attack on `x` (labels `y`): per example a point where the model errs if the query budget
 * found one. Examples the model already misclassifies count as broken without a query.
 */
export async function squareAttack(
  model: AttackModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: SquareOptions,
): Promise<AttackRunResult> {
  if (!Number.isInteger(o.queries) || o.queries < 1)
    throw new Error(`Square: queries must be a whole number ≥ 1, got ${o.queries}`);
  if (x.shape[1] < 2 || x.shape[2] < 2) throw new Error('Square: images must be at least 2×2');
  const rng = makeRng(o.seed);
  const clean = tf.tidy(() => tf.argMax<tf.Tensor1D>(model(x), 1));
  const labels = (await y.data()) as Int32Array;
  const initial = Array.from((await clean.data()) as Int32Array, (p, i) => p !== labels[i]);
  clean.dispose();
  const set = new UnbrokenSet(x, y, initial);
  for (let r = 0; r < (o.restarts ?? 1); r++)
    await set.attack((xs, ys) => squareRun(model, xs, ys, o, rng, r));
  return set.result();
}
