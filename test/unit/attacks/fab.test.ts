/**
 * FAB-T against hand computations and on a small trained net:
 *   - on a linear model z = W·x + b, where the decision boundary is the hyperplane itself, the
 *     first two iterates (one pull-back between them) and the point returned equal the closed
 *     form, for ℓ2 and ℓ∞, with one pixel held at 0 by the box;
 *   - on the dense bands classifier, every example FAB-T reports broken is misclassified within ε
 *     (checked again here), a too small ε breaks none, and a cancel stops it between iterations;
 *     neither leaves a tensor behind.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { FAB_PARAMS, runFab } from '../../../src/engine/attacks/fab';
import { fabAttack } from '../../../src/engine/attacks/fabAttack';
import { bandsTask, perExampleDist, toTensors, trainedNet, TOL } from './helpers';

// Three classes on a 2×2 image; class 2 never competes. The boundary between label 0 and
// target 1 is ⟨w, x⟩ = 0.2 with w = W₁ − W₀ = W₁.
const W = [
  [0, 0, 0, 0],
  [1, -0.5, 0.5, -1],
  [-1, -1, -1, -1],
];
const B = [0.2, 0, -2];
// Pixel 3 sits at 0 where the boundary would pull it lower: the box holds it there.
const X0 = [0.1, 0.5, 0.3, 0];
const model = (x: tf.Tensor4D): tf.Tensor2D =>
  tf.tidy(() =>
    tf.add(tf.matMul(tf.reshape<tf.Rank.R2>(x, [x.shape[0], 4]), tf.tensor2d(W), false, true), B),
  );

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string) {
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i]! - e) <= tol, `${what}[${i}]: ${actual[i]} vs hand ${e}`),
  );
}

before(async () => {
  await initBackend('cpu');
});

describe('FAB-T on a linear model equals the hand computation', () => {
  for (const norm of ['l2', 'linf'] as const)
    it(`${norm}: two iterates, the pull-back between them, and the closest point`, async () => {
      const { eta, beta } = FAB_PARAMS;
      // At x₀ the gap z₁ − z₀ is −0.2: the boundary needs ⟨w, d⟩ = 0.2 from pixels 0–2 only.
      // ℓ2: d = 0.2·w'/‖w'‖² with w' = (1, −0.5, 0.5, 0); ℓ∞: d = 0.2·sign(w')/‖w'‖₁.
      const d = norm === 'l2' ? [0.2 / 1.5, -0.1 / 1.5, 0.1 / 1.5, 0] : [0.1, -0.1, 0.1, 0];
      const at = (k: number, base = X0) => base.map((v, i) => v + k * d[i]!);
      // Iteration 1 starts at x₀, so both projections are d and α = α_max mixes equal points.
      const x1 = at(eta);
      // x1 overshoots the boundary (gap +0.01): adversarial, pulled back to x₀ + βη·d, where the
      // gap is −0.2·(1 − βη). Iteration 2: d₁ = (1 − βη)·d from there, d₂ = d from x₀, so
      // α = (1 − βη) / (2 − βη), below α_max.
      const k = beta * eta;
      const alpha = (1 - k) / (2 - k);
      assert.ok(alpha < FAB_PARAMS.alphaMax);
      const x2 = at((k + eta * (1 - k)) * (1 - alpha) + eta * alpha);
      const size = norm === 'l2' ? Math.hypot(...d) : 0.1;
      const factor = (k + eta * (1 - k)) * (1 - alpha) + eta * alpha;
      // ε between the two iterates' distances: x1 does not end the run, x2 succeeds.
      assert.ok(factor < eta);
      const eps = ((factor + eta) / 2) * size;
      const iterates: number[][] = [];
      const x = tf.tensor4d(X0, [1, 2, 2, 1]);
      const labels = tf.tensor1d([0], 'int32');
      const targets = tf.tensor1d([1], 'int32');
      const r = await runFab(model, x, {
        ...FAB_PARAMS,
        norm,
        eps,
        labels,
        targets,
        iterations: 2,
        inspect: (_i, xi) => iterates.push(Array.from(xi)),
      });
      close(iterates[0]!, x1, 1e-6, 'x1');
      close(iterates[1]!, x2, 1e-6, 'x2');
      // x2 is adversarial too (it also overshoots) and closer than x1: it is the point returned.
      close(r.adv.dataSync(), x2, 1e-6, 'returned point');
      assert.ok(Math.abs(r.distance[0]! - factor * size) < 1e-6, `distance ${r.distance[0]}`);
      assert.deepEqual(r.success, [true]);
      tf.dispose([x, labels, targets, r.adv]);
    });
});

describe('FAB-T on a trained dense net', () => {
  for (const [norm, eps] of [
    ['l2', 1.5],
    ['linf', 0.4],
  ] as const)
    it(`${norm}: what it reports broken is misclassified within ε = ${eps}; ε → 0 breaks none`, async () => {
      const net = trainedNet();
      const { x, y } = toTensors(bandsTask(24, 7));
      const clean = Array.from(tf.tidy(() => tf.argMax(net.model(x), 1)).dataSync());
      const labels = Array.from(y.dataSync());
      const tensors = tf.memory().numTensors;
      const r = await fabAttack(net.model, x, y, {
        norm,
        eps,
        iterations: 20,
        restarts: 1,
        targetClasses: 2,
        seed: 1,
      });
      assert.equal(tf.memory().numTensors, tensors + 1, 'only the result is left');
      const pred = Array.from(tf.tidy(() => tf.argMax(net.model(r.adv), 1)).dataSync());
      const dist = perExampleDist(r.adv, x, norm === 'l2' ? 2 : 'inf');
      const attacked = labels.filter((l, i) => clean[i] === l).length;
      let broken = 0;
      r.success.forEach((s, i) => {
        if (clean[i] !== labels[i]) return assert.ok(s, `${i} was misclassified already`);
        if (!s) return assert.equal(dist[i], 0, `${i}: an unbroken example keeps its clean point`);
        broken++;
        assert.notEqual(pred[i], labels[i], `${i} reported broken but classified correctly`);
        assert.ok(dist[i]! <= eps + TOL, `${i}: ‖δ‖ = ${dist[i]} > ε`);
      });
      assert.ok(attacked >= 20, `the net learned the bands (${attacked}/24)`);
      assert.ok(broken >= attacked * 0.8, `FAB-T broke ${broken} of ${attacked}`);
      const none = await fabAttack(net.model, x, y, {
        norm,
        eps: 1e-4,
        iterations: 20,
        restarts: 2,
        targetClasses: 2,
        seed: 1,
      });
      assert.equal(
        none.success.filter(Boolean).length,
        labels.length - attacked,
        'ε = 1e-4 breaks nothing',
      );
      tf.dispose([x, y, r.adv, none.adv]);
      net.dispose();
    });

  it('reports progress per iteration and stops between iterations on cancel', async () => {
    const net = trainedNet();
    const { x, y } = toTensors(bandsTask(12, 8));
    const abort = new AbortController();
    const seen: [number, number, number][] = [];
    const tensors = tf.memory().numTensors;
    await assert.rejects(
      fabAttack(net.model, x, y, {
        norm: 'l2',
        eps: 1e-4, // nothing breaks: every run goes the full length
        iterations: 10,
        restarts: 1,
        targetClasses: 2,
        seed: 1,
        signal: abort.signal,
        onIteration: (run, runs, i) => {
          seen.push([run, runs, i]);
          if (run === 1 && i === 3) abort.abort();
        },
      }),
      /FAB attack was cancelled/,
    );
    assert.deepEqual(seen.at(-1), [1, 2, 3], 'no iteration after the cancel');
    assert.equal(seen.length, 14);
    assert.equal(tf.memory().numTensors, tensors, 'a cancelled run leaves no tensor behind');
    tf.dispose([x, y]);
    net.dispose();
  });
});
