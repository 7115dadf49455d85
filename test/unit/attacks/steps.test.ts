/** Hand-computed cases for the attack steps (robustness `attack_steps.py` semantics). */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { attackSteps, L2Step, LinfStep, UnconstrainedStep } from '../../../src/engine/attacks';
import { perExampleDist } from './helpers';

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-6): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)) <= tol,
      `index ${i}: ${actual[i]} vs ${expected[i]}`,
    );
};
const t4 = (values: number[], n: number): tf.Tensor4D =>
  tf.tensor4d(values, [n, 1, values.length / n, 1]);

before(async () => {
  await initBackend('cpu');
});

describe('L2Step', () => {
  it('steps along the gradient normalised per example (3-4-5), zero gradient → zero step', () => {
    const x = t4([0.5, 0.5, 0.2, 0.3], 2);
    const g = t4([3, 4, 0, 0], 2);
    const s = new L2Step(x, 1, 0.1);
    const out = s.step(x, g);
    close(out.dataSync(), [0.5 + 0.06, 0.5 + 0.08, 0.2, 0.3]);
    tf.dispose([x, g, out]);
  });

  it('projects the perturbation onto the ε-ball per example, then clips to [0,1]', () => {
    const orig = t4([0.5, 0.5, 0.9, 0.1, 0.5, 0.5], 3);
    // ex 0: δ = (0.3, 0.4), ‖δ‖ = 0.5 > ε = 0.25 → (0.15, 0.2); ex 1: inside the ball, clipped at 1; ex 2: inside.
    const x = t4([0.8, 0.9, 1.2, 0.1, 0.6, 0.5], 3);
    const out = new L2Step(orig, 0.25, 0.1).project(x);
    close(out.dataSync(), [0.65, 0.7, 1, 0.1, 0.6, 0.5], 1e-5);
    tf.dispose([orig, x, out]);
  });

  it('random start lands on the ε-sphere when nothing is clipped, reproducibly with a seed', () => {
    const x = tf.fill<tf.Rank.R4>([3, 4, 4, 1], 0.5);
    const s = new L2Step(x, 0.1, 0.05);
    const a = s.randomPerturb(x, 7);
    const b = s.randomPerturb(x, 7);
    close(perExampleDist(a, x, 2), [0.1, 0.1, 0.1], 1e-5);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
  });
});

describe('LinfStep', () => {
  it('steps by the sign of the gradient (sign(0) = 0)', () => {
    const x = t4([0.5, 0.5, 0.5], 1);
    const g = t4([3, -4, 0], 1);
    const out = new LinfStep(x, 0.3, 0.1).step(x, g);
    close(out.dataSync(), [0.6, 0.4, 0.5]);
    tf.dispose([x, g, out]);
  });

  it('clamps the perturbation to [−ε, ε], then the image to [0,1]', () => {
    const orig = t4([0.5, 0.5, 0.5, 0.95], 1);
    const x = t4([0.8, 0.45, 0.1, 1.05], 1);
    const out = new LinfStep(orig, 0.1, 0.1).project(x);
    close(out.dataSync(), [0.6, 0.45, 0.4, 1], 1e-6);
    tf.dispose([orig, x, out]);
  });

  it('random start is uniform within [−ε, ε] and inside [0,1]', () => {
    const x = tf.fill<tf.Rank.R4>([2, 8, 8, 1], 0.5);
    const r = new LinfStep(x, 0.2, 0.05).randomPerturb(x, 3);
    const d = perExampleDist(r, x, 'inf');
    for (const v of d) assert.ok(v <= 0.2 + 1e-6 && v > 0.15, `max |δ| = ${v}`);
    tf.dispose([x, r]);
  });
});

describe('UnconstrainedStep', () => {
  it('takes an ℓ2-normalised step and only clips to [0,1] (ε ignored)', () => {
    const orig = t4([0.5, 0.5], 1);
    const s = new UnconstrainedStep(orig, 0, 0.5);
    const g = t4([3, 4], 1);
    const stepped = s.step(orig, g);
    close(stepped.dataSync(), [0.8, 0.9]);
    const far = t4([1.5, -0.2], 1);
    const p = s.project(far);
    close(p.dataSync(), [1, 0]);
    tf.dispose([orig, g, stepped, far, p]);
  });
});

describe('registry', () => {
  it('maps threat models to the step classes, passing (origInput, eps, stepSize, useGrad)', () => {
    const x = t4([0.5], 1);
    assert.ok(attackSteps.l2(x, 1, 0.1) instanceof L2Step);
    assert.ok(attackSteps.linf(x, 1, 0.1) instanceof LinfStep);
    const u = attackSteps.unconstrained(x, 1, 0.1, false);
    assert.ok(u instanceof UnconstrainedStep);
    assert.equal(u.useGrad, false);
    assert.equal(attackSteps.l2(x, 0.5, 0.2).eps, 0.5);
    x.dispose();
  });

  it('step methods do not leak', () => {
    const x = tf.fill<tf.Rank.R4>([2, 3, 3, 1], 0.4);
    const g = tf.randomNormal<tf.Rank.R4>([2, 3, 3, 1], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    for (const name of ['l2', 'linf', 'unconstrained'] as const) {
      const s = attackSteps[name](x, 0.3, 0.1);
      tf.dispose([s.step(x, g), s.project(g), s.randomPerturb(x, 1)]);
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, g]);
  });
});
