/**
 * The Square attack (Andriushchenko, Croce, Flammarion & Hein 2020), AutoAttack's gradient-free
 * member: random search that only queries the model's logits, so masked or zero gradients do not
 * stop it. Each query changes the current perturbation inside a random square window (side
 * shrinking with the query count, `squareSide`) and keeps the change when the margin loss
 * z_y − max_{i≠y} z_i decreases; an example is done once its margin is ≤ 0.
 *
 * Proposal distributions:
 * - ℓ∞: the start is vertical stripes of ±ε; a proposal sets the window to ±ε per channel.
 * - ℓ2: the start is a grid of ±"pseudo-Gaussian" bumps (`squareBump`) rescaled to norm ε; a
 *   proposal moves the perturbation's mass of the window and of a second window into a new bump
 *   in the first, keeping the total norm at ε.
 * Every random choice comes from the seeded project PRNG, one window and one sign pattern per
 * query for the whole batch, as the reference does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeRng, type Rng } from '../formats/rng';
import { cancellationPoint } from '../types';
import { marginPerExample } from './losses';
import { perExampleL2Norm } from './norms';
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

/** ±1 per (example, channel), shaped [n, 1, 1, c] to broadcast over a window. */
function signs(n: number, c: number, rng: Rng): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: n * c }, () => (rng.next() < 0.5 ? -1 : 1)),
    [n, 1, 1, c],
  );
}

/** An s×s window placed at (top, left) in an h×w image, zero elsewhere ([n, h, w, c] by padding). */
function placeWindow(
  win: tf.Tensor4D,
  top: number,
  left: number,
  h: number,
  w: number,
): tf.Tensor4D {
  const s = win.shape[1];
  return tf.pad<tf.Tensor4D>(win, [
    [0, 0],
    [top, h - top - s],
    [left, w - left - s],
    [0, 0],
  ]);
}

/** x + ε·δ/‖δ‖₂ in the image box. */
function onL2Sphere(x: tf.Tensor4D, delta: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.clipByValue<tf.Tensor4D>(
      tf.add<tf.Tensor4D>(
        x,
        tf.mul(tf.div(delta, tf.add(perExampleL2Norm(delta), SQUARE_GUARD)), eps),
      ),
      0,
      1,
    ),
  );
}

function startPoint(x: tf.Tensor4D, o: SquareOptions, rng: Rng): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy((): tf.Tensor4D => {
    if (o.norm === 'linf') {
      const stripes = tf.tensor4d(
        Float32Array.from({ length: n * w * c }, () => (rng.next() < 0.5 ? -o.eps : o.eps)),
        [n, 1, w, c],
      );
      return tf.clipByValue<tf.Tensor4D>(tf.add<tf.Tensor4D>(x, stripes), 0, 1);
    }
    const s = Math.floor(h / 5);
    const start = Math.floor((h - 5 * s) / 2);
    let delta: tf.Tensor4D = tf.zerosLike(x);
    for (let i = 0, top = start; i < Math.floor(h / s); i++, top += s)
      for (let j = 0, left = start; j < Math.floor(w / s); j++, left += s) {
        if (top + s > h || left + s > w) continue;
        const bump = tf.tensor4d(squareBump(s, rng), [1, s, s, 1]);
        delta = tf.add(delta, placeWindow(tf.mul(bump, signs(n, c, rng)), top, left, h, w));
      }
    return onL2Sphere(x, delta, o.eps);
  });
}

function proposeLinf(x: tf.Tensor4D, best: tf.Tensor4D, o: SquareOptions, s: number, rng: Rng) {
  const [, h, w, c] = x.shape;
  const top = rng.int(h - s);
  const left = rng.int(w - s);
  return tf.tidy(() => {
    const sgn = Float32Array.from({ length: c }, () => (rng.next() < 0.5 ? -1 : 1));
    const win = tf.mul<tf.Tensor4D>(
      tf.ones([1, s, s, c]),
      tf.mul(tf.tensor4d(sgn, [1, 1, 1, c]), 2 * o.eps),
    );
    const moved = tf.add(best, placeWindow(win, top, left, h, w));
    const boxed = tf.minimum<tf.Tensor4D>(tf.maximum(moved, tf.sub(x, o.eps)), tf.add(x, o.eps));
    return tf.clipByValue<tf.Tensor4D>(boxed, 0, 1);
  });
}

function proposeL2(x: tf.Tensor4D, best: tf.Tensor4D, o: SquareOptions, s: number, rng: Rng) {
  const [n, h, w, c] = x.shape;
  const top = rng.int(h - s);
  const left = rng.int(w - s);
  const top2 = rng.int(h - s);
  const left2 = rng.int(w - s);
  const bump = squareBump(s, rng);
  return tf.tidy(() => {
    const delta = tf.sub(best, x);
    const ones = tf.ones<tf.Rank.R4>([n, s, s, c]);
    const mask1 = placeWindow(ones, top, left, h, w);
    const mask2 = placeWindow(ones, top2, left2, h, w);
    const old = tf.slice(delta, [0, top, left, 0], [-1, s, s, -1]);
    // Per (example, channel) norms of the window, over its pixels.
    const oldNorm = tf.sqrt(tf.sum(tf.square(old), [1, 2], true));
    const normImage = perExampleL2Norm(delta);
    const normWindows = perExampleL2Norm(tf.mul(delta, tf.maximum(mask1, mask2)));
    let win = tf.add(
      tf.mul(tf.tensor4d(bump, [1, s, s, 1]), signs(n, c, rng)),
      tf.div(old, tf.maximum(oldNorm, SQUARE_GUARD)),
    );
    const winNorm = tf.sqrt(tf.sum(tf.square(win), [1, 2], true));
    // The mass the two windows held, plus what the image's norm lacks to reach ε, shared by channel.
    const budget = tf.sqrt(
      tf.add(
        tf.div(tf.relu(tf.sub(o.eps * o.eps, tf.square(normImage))), c),
        tf.square(normWindows),
      ),
    );
    win = tf.mul(tf.div(win, tf.add(winNorm, SQUARE_GUARD)), budget);
    const kept = tf.mul(delta, tf.mul(tf.sub(1, mask2), tf.sub(1, mask1)));
    const next = tf.add(kept, placeWindow(win as tf.Tensor4D, top, left, h, w));
    return onL2Sphere(x, next as tf.Tensor4D, o.eps);
  });
}

/** One restart on a batch: returns the best points and which examples were broken. */
async function squareRun(
  model: AttackModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: SquareOptions,
  rng: Rng,
  restart: number,
): Promise<AttackRunResult> {
  const [n, h, w] = x.shape;
  let best = startPoint(x, o, rng);
  const margin = Float32Array.from(
    (await tf.tidy(() => marginPerExample(model(best), y)).data()) as Float32Array,
  );
  for (let q = 0; q < o.queries; q++) {
    await cancellationPoint(o.signal, 'Square attack');
    const todo: number[] = [];
    margin.forEach((m, i) => {
      if (m > 0) todo.push(i);
    });
    o.onQuery?.(restart, q, todo.length);
    if (todo.length === 0) break;
    const p = squareFraction(q, o.queries, o.pInit);
    const s =
      o.norm === 'linf'
        ? squareSide(p, h, w, 1)
        : ((side) => (side % 2 === 0 ? Math.min(side + 1, h - 1) : side))(squareSide(p, h, w, 3));
    const ids = tf.tensor1d(todo, 'int32');
    const xs = tf.gather<tf.Tensor4D>(x, ids);
    const bs = tf.gather<tf.Tensor4D>(best, ids);
    const ys = tf.gather<tf.Tensor1D>(y, ids);
    const cand = o.norm === 'linf' ? proposeLinf(xs, bs, o, s, rng) : proposeL2(xs, bs, o, s, rng);
    const m = (await tf.tidy(() => marginPerExample(model(cand), ys)).data()) as Float32Array;
    // Accept where the margin dropped (it is the loss here, and ≤ 0 means broken).
    const accept = todo.map((i, j) => m[j]! < margin[i]!);
    const accepted = todo.filter((_, j) => accept[j]);
    if (accepted.length > 0) {
      const next = tf.tidy(() => {
        const full = new Array<number>(n).fill(-1);
        todo.forEach((i, j) => {
          if (accept[j]) full[i] = j;
        });
        // Scatter the accepted candidates back: gather from [best; cand] by a per-row index.
        const rows = tf.tensor1d(
          full.map((j, i) => (j < 0 ? i : n + j)),
          'int32',
        );
        return tf.gather<tf.Tensor4D>(tf.concat([best, cand]), rows);
      });
      best.dispose();
      best = next;
      todo.forEach((i, j) => {
        if (accept[j]) margin[i] = m[j]!;
      });
    }
    tf.dispose([ids, xs, bs, ys, cand]);
  }
  return { adv: best, success: Array.from(margin, (v) => v <= 0) };
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
