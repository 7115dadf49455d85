/**
 * Mean's gradient (kernels/gradients/mean.ts) gives exactly tfjs-core's dy·ones(x.shape)/n, bit for
 * bit, on cpu and wasm for random shapes and axes (global average pooling's [1, 2] among them),
 * without the full-size Multiply.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { rand, setupBackends } from './helpers';

before(setupBackends);

test("Mean's gradient equals tfjs-core's formula bit for bit, without a full-size Multiply", async () => {
  const caseArb = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
    axesMask: fc.nat(15),
    seed: fc.nat(1000),
  });
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    fc.assert(
      fc.property(caseArb, ({ shape, axesMask, seed }) => {
        const axes = shape.map((_, i) => i).filter((i) => axesMask & (1 << i));
        if (!axes.length) axes.push(0);
        const x = tf.tensor(rand(shape, seed), shape);
        const outShape = shape.filter((_, i) => !axes.includes(i));
        const dy = tf.tensor(rand(outShape, seed + 1), outShape);
        const n = axes.reduce((p, a) => p * shape[a]!, 1);
        const ours = tf.grad((t: tf.Tensor) => tf.mean(t, axes))(x, dy);
        const expanded = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const ref = tf.div(tf.mul(tf.reshape(dy, expanded), tf.ones(shape)), n);
        assert.deepEqual(
          ours.dataSync(),
          ref.dataSync(),
          `${backend} ${shape.join('x')} axes ${axes.join(',')}`,
        );
        tf.dispose([x, dy, ours, ref]);
      }),
      { numRuns: 40, seed: 18 },
    );
    const x = tf.tensor(rand([4, 7, 7, 8], 3), [4, 7, 7, 8]);
    const dy = tf.ones([4, 8]);
    const prof = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.mean(t, [1, 2]))(x, dy));
    const kernels = prof.kernels.map((k) => k.name);
    assert.ok(!kernels.includes('Multiply') && kernels.includes('Tile'), kernels.join(','));
    tf.dispose([x, dy]);
  }
  await tf.setBackend('cpu');
});
