/**
 * The Square attack's proposals, read straight from the candidates a query sends to the model:
 * - ℓ∞ draws its window and its signs per image (the Square authors' code): two identical images
 *   of one batch get different proposals, each one window of x ± ε with one sign per channel,
 *   and never a proposal equal to the point it starts from;
 * - ℓ2 keeps the reference's batch-wide windows and per-image signs;
 * - the same seed gives the same candidates.
 * A fixed random linear model on 8×8×3 images keeps every margin positive, so every query sees
 * both images.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { makeRng } from '../../../src/engine/formats/rng';
import {
  squareFraction,
  squareQuery,
  squareSide,
  squareStart,
  type SquareOptions,
} from '../../../src/engine/attacks/square';
import type { AttackModel } from '../../../src/engine/attacks';

const [H, W, C] = [8, 8, 3];
const ROW = H * W * C;
const EPS = 0.1;
let model: AttackModel;
let image: Float32Array;

before(async () => {
  await initBackend('cpu');
  const rng = makeRng(11);
  const weights = Float32Array.from({ length: ROW * 4 }, () => rng.normal() * 0.05);
  // Class 0 wins by far on every image near this one: no proposal ends the search.
  const bias = tf.tensor1d([100, 0, 0, 0]);
  const wt = tf.tensor2d(weights, [ROW, 4]);
  model = (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], ROW]), wt), bias));
  image = Float32Array.from({ length: ROW }, () => 0.2 + 0.6 * rng.next());
});

/** Per query on two copies of `image`: the points proposed from and the candidates, [2·ROW] each. */
async function candidates(
  o: SquareOptions,
  queries: number,
): Promise<{ from: Float32Array; cand: Float32Array }[]> {
  const rng = makeRng(o.seed);
  const x = tf.tensor4d([...image, ...image], [2, H, W, C]);
  const y = tf.tensor1d([0, 0], 'int32');
  const st = await squareStart(model, x, y, o, rng);
  tf.dispose([x, y]);
  const out: { from: Float32Array; cand: Float32Array }[] = [];
  for (let q = 0; q < queries; q++) {
    const from = st.best.slice();
    await squareQuery(model, st, [0, 1], q, o, rng);
    out.push({ from, cand: st.cand.slice() });
  }
  return out;
}

const linf: SquareOptions = { norm: 'linf', eps: EPS, queries: 1000, seed: 5 };

test('Square ℓ∞: each image of a batch gets its own window and signs, x ± ε per channel', async () => {
  const all = await candidates(linf, 60);
  let differ = 0;
  for (const [q, { from, cand }] of all.entries()) {
    const side = squareSide(squareFraction(q, linf.queries), H, W, 1);
    const rows = [0, 1].map((j) => cand.subarray(j * ROW, (j + 1) * ROW));
    if (rows[0]!.some((v, k) => v !== rows[1]![k])) differ++;
    rows.forEach((r, j) => {
      const changed = new Set<number>();
      r.forEach((v, k) => {
        if (v !== from[j * ROW + k]) changed.add(Math.floor(k / C));
      });
      assert.ok(changed.size > 0, `query ${q}: the proposal changes its point`);
      // The changed pixels fit in one window; inside their box each channel has one sign.
      const rs = [...changed].map((p) => Math.floor(p / W));
      const cs = [...changed].map((p) => p % W);
      const [r0, r1, c0, c1] = [Math.min(...rs), Math.max(...rs), Math.min(...cs), Math.max(...cs)];
      assert.ok(r1 - r0 < side && c1 - c0 < side, `query ${q}: one ${side}×${side} window`);
      for (let ch = 0; ch < C; ch++) {
        const signs = new Set<number>();
        for (let pr = r0; pr <= r1; pr++)
          for (let pc = c0; pc <= c1; pc++) {
            const k = (pr * W + pc) * C + ch;
            signs.add(Math.round((r[k]! - image[k]!) / EPS));
          }
        assert.equal(signs.size, 1, `query ${q}, channel ${ch}: one sign in the window`);
      }
      r.forEach((v, k) => assert.ok(Math.abs(Math.abs(v - image[k]!) - EPS) < 1e-6));
    });
  }
  // Shared draws would make the two identical images' proposals identical in every query.
  assert.ok(differ >= 50, `the two images' proposals differ in ${differ} of 60 queries`);
  assert.deepEqual(await candidates(linf, 60), all, 'the same seed draws the same proposals');
  assert.notDeepEqual(await candidates({ ...linf, seed: 6 }, 60), all, 'another seed, others');
});

test('Square ℓ2: per-image signs on the batch-wide windows, every candidate in the ε-ball', async () => {
  const o: SquareOptions = { norm: 'l2', eps: 1, queries: 1000, seed: 5 };
  const all = await candidates(o, 40);
  let differ = 0;
  for (const { cand } of all) {
    const rows = [0, 1].map((j) => cand.subarray(j * ROW, (j + 1) * ROW));
    if (rows[0]!.some((v, k) => v !== rows[1]![k])) differ++;
    for (const r of rows) {
      const norm = Math.sqrt(r.reduce((s, v, k) => s + (v - image[k]!) ** 2, 0));
      // On the sphere before the clip to [0, 1], which can only shorten δ.
      assert.ok(norm <= 1 + 1e-5 && norm > 0.5, `‖δ‖₂ = ${norm}`);
    }
  }
  assert.ok(differ >= 30, `the two images' proposals differ in ${differ} of 40 queries`);
  assert.deepEqual(await candidates(o, 40), all, 'the same seed draws the same proposals');
});
