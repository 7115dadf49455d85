/**
 * AutoAttack's pieces against a hand computation on a linear model z = W·x + b (4 pixels, 4
 * classes), where every gradient has a closed form: the CE and DLR losses and their input
 * gradients, APGD's first step (η = 2ε, α = 1) and its momentum step (α = 0.75), and the
 * checkpoint schedule of the paper.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import {
  crossEntropyPerExample,
  dlrLossPerExample,
  dlrTargetedLossPerExample,
} from '../../../src/engine/attacks/losses';
import { apgdCheckpoints, shouldHalve } from '../../../src/engine/attacks/apgdSchedule';
import { runApgd } from '../../../src/engine/attacks/apgd';
import { apgdObjective } from '../../../src/engine/attacks/apgdAttack';
import { makeStep } from '../../../src/engine/attacks/steps';

// W is [classes][pixels]; the model is x ↦ W·x + b on a 2×2 one-channel image.
const W = [
  [1.0, -0.5, 0.3, 0.2],
  [-0.4, 0.9, 0.1, -0.3],
  [0.2, 0.1, -0.8, 0.6],
  [-0.1, -0.2, 0.4, 0.7],
];
const B = [0.1, -0.2, 0.05, 0];
const X0 = [0.5, 0.4, 0.6, 0.45];
const LABEL = 0;
const TARGET = 3;

const model = (x: tf.Tensor4D): tf.Tensor2D =>
  tf.tidy(() =>
    tf.add(tf.matMul(tf.reshape<tf.Rank.R2>(x, [x.shape[0], 4]), tf.tensor2d(W), false, true), B),
  );

const logitsOf = (x: number[]) => W.map((row, k) => row.reduce((s, w, i) => s + w * x[i]!, B[k]!));
/** dL/dx = Wᵀ·dL/dz. */
const backToInput = (dz: number[]) =>
  X0.map((_, i) => dz.reduce((s, d, k) => s + d * W[k]![i]!, 0));
const order = (z: number[]) => z.map((_, k) => k).sort((a, b) => z[b]! - z[a]!);
const unit = (k: number) => [0, 1, 2, 3].map((j) => (j === k ? 1 : 0));

/** Gradient of a quotient −u/v: −(u'v − uv')/v². */
function quotientGrad(u: number, du: number[], v: number, dv: number[]): number[] {
  return du.map((d, k) => -(d * v - u * dv[k]!) / (v * v));
}

function handCe(x: number[]): { loss: number; grad: number[] } {
  const z = logitsOf(x);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return {
    loss: Math.log(s) + m - z[LABEL]!,
    grad: backToInput(e.map((v, k) => v / s - (k === LABEL ? 1 : 0))),
  };
}

function handDlr(x: number[]): { loss: number; grad: number[] } {
  const z = logitsOf(x);
  const p = order(z);
  const other = p.find((k) => k !== LABEL)!;
  const u = z[LABEL]! - z[other]!;
  const v = z[p[0]!]! - z[p[2]!]!;
  const du = unit(LABEL).map((a, k) => a - unit(other)[k]!);
  const dv = unit(p[0]!).map((a, k) => a - unit(p[2]!)[k]!);
  return { loss: -u / v, grad: backToInput(quotientGrad(u, du, v, dv)) };
}

function handDlrTargeted(x: number[]): { loss: number; grad: number[] } {
  const z = logitsOf(x);
  const p = order(z);
  const u = z[LABEL]! - z[TARGET]!;
  const v = z[p[0]!]! - (z[p[2]!]! + z[p[3]!]!) / 2;
  const du = unit(LABEL).map((a, k) => a - unit(TARGET)[k]!);
  const dv = unit(p[0]!).map((a, k) => a - (unit(p[2]!)[k]! + unit(p[3]!)[k]!) / 2);
  return { loss: -u / v, grad: backToInput(quotientGrad(u, du, v, dv)) };
}

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string) {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i]! - e) <= tol, `${what}[${i}]: ${actual[i]} vs hand ${e}`),
  );
}

const image = (v: number[]) => tf.tensor4d(v, [1, 2, 2, 1]);
const label = () => tf.tensor1d([LABEL], 'int32');

before(async () => {
  await initBackend('cpu');
});

describe('losses and gradients on a linear model equal the hand computation', () => {
  const cases = [
    ['cross-entropy', (z: tf.Tensor2D, y: tf.Tensor1D) => crossEntropyPerExample(z, y), handCe],
    ['DLR', (z: tf.Tensor2D, y: tf.Tensor1D) => dlrLossPerExample(z, y), handDlr],
    [
      'targeted DLR',
      (z: tf.Tensor2D, y: tf.Tensor1D) =>
        dlrTargetedLossPerExample(z, y, tf.tensor1d([TARGET], 'int32')),
      handDlrTargeted,
    ],
  ] as const;
  for (const [name, loss, hand] of cases)
    it(name, () => {
      const x = image(X0);
      const y = label();
      const { value, grad } = tf.valueAndGrad((xx: tf.Tensor4D) => tf.sum(loss(model(xx), y)))(x);
      const h = hand(X0);
      close(value.dataSync(), [h.loss], 1e-5, `${name} loss`);
      close(grad.dataSync(), h.grad, 1e-5, `${name} gradient`);
      tf.dispose([x, y, value, grad]);
    });

  it('DLR is invariant to shifting and scaling the logits', () => {
    const z = tf.tensor2d([[2, 1, -1, 0.5]]);
    const y = tf.tensor1d([1], 'int32');
    const a = dlrLossPerExample(z, y).dataSync()[0]!;
    const b = dlrLossPerExample(tf.add<tf.Tensor2D>(tf.mul(z, 7), 3), y).dataSync()[0]!;
    assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  });
});

describe('APGD steps equal the hand computation', () => {
  for (const norm of ['linf', 'l2'] as const)
    it(`${norm}: first step (η = 2ε, no momentum) and second step (α = 0.75)`, async () => {
      const eps = 0.05;
      const x = image(X0);
      const y = label();
      const iterates: number[][] = [];
      const dir = (g: number[]) => {
        if (norm === 'linf') return g.map(Math.sign);
        const n = Math.hypot(...g);
        return g.map((v) => v / n);
      };
      const project = (p: number[]) => {
        let d = p.map((v, i) => v - X0[i]!);
        if (norm === 'linf') d = d.map((v) => Math.max(-eps, Math.min(eps, v)));
        else {
          const n = Math.hypot(...d);
          if (n > eps) d = d.map((v) => (v * eps) / (n + 1e-7));
        }
        return d.map((v, i) => Math.max(0, Math.min(1, X0[i]! + v)));
      };
      const r = await runApgd(x, {
        step: makeStep(norm, x, eps, 0),
        objective: apgdObjective(model, 'ce', y),
        labels: y,
        iterations: 2,
        randomStart: false,
        inspect: (i, xi) => iterates.push(Array.from(xi.dataSync())),
      });
      const eta = 2 * eps;
      const x1 = project(X0.map((v, i) => v + eta * dir(handCe(X0).grad)[i]!));
      const g1 = dir(handCe(x1).grad);
      const z2 = project(x1.map((v, i) => v + eta * g1[i]!));
      const x2 = project(x1.map((v, i) => v + 0.75 * (z2[i]! - v) + 0.25 * (v - X0[i]!)));
      close(iterates[0]!, X0, 1e-6, 'start');
      close(iterates[1]!, x1, 1e-5, 'x1');
      close(iterates[2]!, x2, 1e-5, 'x2');
      // The returned point is the iterate of highest loss (no misclassification this close).
      const losses = [X0, x1, x2].map((p) => handCe(p).loss);
      const best = [X0, x1, x2][losses.indexOf(Math.max(...losses))]!;
      close(r.adv.dataSync(), best, 1e-5, 'returned point');
      close(r.bestLoss, [Math.max(...losses)], 1e-4, 'best loss');
      tf.dispose([x, y, r.adv]);
    });
});

describe('APGD step-size schedule', () => {
  it('checkpoints are the paper’s p_j·N for N = 100: 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99', () => {
    assert.deepEqual(apgdCheckpoints(100), [22, 41, 57, 70, 80, 87, 93, 99]);
    assert.deepEqual(apgdCheckpoints(1), [1]);
    for (const n of [5, 20, 37, 250]) {
      const c = apgdCheckpoints(n);
      assert.ok(
        c.every((w, i) => w <= n && (i === 0 || w > c[i - 1]!)),
        `${n}: ${c.join(',')}`,
      );
    }
  });

  it('halves when under ρ·k steps raised the loss, or when neither η nor the best loss changed', () => {
    assert.equal(shouldHalve(14, 19, true, 1, 2), true); // 14 < 0.75·19 = 14.25
    assert.equal(shouldHalve(15, 19, true, 1, 2), false);
    assert.equal(shouldHalve(19, 19, false, 2, 2), true); // condition 2: no improvement
    assert.equal(shouldHalve(19, 19, true, 2, 2), false); // … but η was just halved
    assert.equal(shouldHalve(19, 19, false, 1, 2), false);
  });
});
