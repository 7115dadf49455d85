/**
 * Batch norm in training mode as one kernel forward and one backward (kernels/norm/batchNormTrain.ts,
 * models/batchNorm.ts): against tfjs-layers' own BatchNormalization on the cpu backend, same
 * weights, the outputs, the moving averages after the step, and the gradients with respect to
 * the input, gamma and beta agree to float32 rounding; the kernels replace the op chain on wasm;
 * and the FusedBatchNorm gradient (inference mode) matches autodiff of the same formula written
 * as plain ops, for every input, and computes only dx when only dx is asked for.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { rand, relErr, setupBackends } from './helpers';
import { batchNormalization } from '../../../src/engine/models/batchNorm';

before(setupBackends);

type Case = { n: number; h: number; c: number; momentum: number; seed: number };

/** y, then Σ y·r's gradients (x, gamma, beta), then the moving mean and variance. */
function trainingCall(layer: tfl.layers.Layer, k: Case): Float32Array[] {
  const shape = [k.n, k.h, k.h, k.c];
  const x = tf.tensor4d(rand(shape, k.seed), shape as [number, number, number, number]);
  layer.build([null, k.h, k.h, k.c]);
  layer.setWeights([
    tf.add(tf.tensor(rand([k.c], k.seed + 1)), 1),
    tf.tensor(rand([k.c], k.seed + 2)),
    tf.tensor(rand([k.c], k.seed + 3)),
    tf.add(tf.abs(tf.tensor(rand([k.c], k.seed + 4))), 0.5),
  ]);
  const r = tf.tensor(rand(shape, k.seed + 5), shape);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const f = (xx: tf.Tensor) =>
    tf.sum<tf.Scalar>(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, r));
  const y = tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
  const dx = tf.grad(f)(x);
  const { value, grads } = tf.variableGrads(() => f(x), vars);
  const out = [y, dx, ...vars.map((v) => grads[v.name]!), ...layer.getWeights().slice(2)].map(
    (t) => t.dataSync() as Float32Array,
  );
  tf.dispose([x, r, y, dx, value, ...Object.values(grads)]);
  layer.weights.forEach((w) => w.dispose());
  return out;
}

test('BatchNormalization in training: our kernels on wasm match tfjs-layers on cpu (y, moving averages, dx, dgamma, dbeta)', async () => {
  const caseArb = fc.record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    c: fc.constantFrom(4, 6, 8, 16, 32),
    momentum: fc.constantFrom(0.9, 0.99),
    seed: fc.nat(1000),
  });
  await fc.assert(
    fc.asyncProperty(caseArb, async (k: Case) => {
      await tf.setBackend('cpu');
      const stock = trainingCall(tfl.layers.batchNormalization({ momentum: k.momentum }), k);
      await tf.setBackend('wasm');
      const ours = trainingCall(batchNormalization({ momentum: k.momentum }), k);
      assert.equal(ours.length, 6);
      ours.forEach((t, i) =>
        assert.ok(
          relErr(t, stock[i]!) < 2e-5,
          `tensor ${i}: ${relErr(t, stock[i]!)} in ${JSON.stringify(k)}`,
        ),
      );
    }),
    { numRuns: 30, seed: 18 },
  );
  await tf.setBackend('cpu');
});

test('on wasm the training step runs the two batch-norm kernels instead of the moments chain', async () => {
  await tf.setBackend('wasm');
  const layer = batchNormalization({});
  layer.build([null, 6, 6, 8]);
  const x = tf.tensor4d(rand([4, 6, 6, 8], 7), [4, 6, 6, 8]);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum<tf.Scalar>(layer.apply(x, { training: true }) as tf.Tensor),
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  const kernels = prof.kernels.map((k) => k.name);
  assert.ok(kernels.includes('RflBatchNormTrain'), kernels.join(','));
  assert.ok(kernels.includes('RflBatchNormTrainGrad'), kernels.join(','));
  for (const k of ['FusedBatchNorm', 'Mean', 'Square', 'Tile'])
    assert.ok(!kernels.includes(k), `${k} in ${kernels.join(',')}`);
  tf.dispose(x);
  layer.weights.forEach((w) => w.dispose());
  await tf.setBackend('cpu');
});

test('the FusedBatchNorm gradient matches autodiff of the plain-op formula, and computes only dx when only dx is asked for', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    for (const [shape, pshape] of [
      [[2, 5, 5, 8], [8]],
      [
        [3, 4, 4, 6],
        [1, 1, 1, 6],
      ],
    ] as const) {
      const t = (s: readonly number[], seed: number) => tf.tensor(rand([...s], seed), [...s]);
      const [x, mean, offset, scale, r] = [
        t(shape, 1),
        t(pshape, 2),
        t(pshape, 3),
        t(pshape, 4),
        t(shape, 6),
      ];
      const variance = tf.add(tf.abs(t(pshape, 5)), 0.1);
      const eps = 1e-3;
      const fused = (a: tf.Tensor[]) =>
        tf.sum(tf.mul(tf.batchNorm(a[0]!, a[1]!, a[2]!, a[3], a[4], eps), r));
      const plain = (a: tf.Tensor[]) =>
        tf.sum(
          tf.mul(
            tf.add(
              tf.mul(tf.mul(tf.sub(a[0]!, a[1]!), tf.rsqrt(tf.add(a[2]!, eps))), a[4]!),
              a[3]!,
            ),
            r,
          ),
        );
      const args = [x, mean, variance, offset, scale];
      const ours = tf.grads((...a: tf.Tensor[]) => fused(a))(args);
      const ref = tf.grads((...a: tf.Tensor[]) => plain(a))(args);
      ours.forEach((g, i) => {
        const e = relErr(g.dataSync() as Float32Array, ref[i]!.dataSync() as Float32Array);
        assert.ok(e < 1e-5, `${backend} ${JSON.stringify(pshape)} input ${i}: ${e}`);
      });
      const prof = await tf.profile(() =>
        tf.grad((xx: tf.Tensor) => fused([xx, mean, variance, offset, scale]))(x),
      );
      const kernels = prof.kernels.map((k) => k.name);
      assert.ok(!kernels.includes('Sub') && !kernels.includes('Tile'), kernels.join(','));
      tf.dispose([...args, r, ...ours, ...ref]);
    }
  }
  await tf.setBackend('cpu');
});
