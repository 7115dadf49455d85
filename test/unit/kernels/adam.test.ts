/**
 * The fused Adam update ('RflAdam', train/fusedAdam.ts) against tfjs's own AdamOptimizer, both
 * on wasm: the same float32 operations in the same order, so weights and both moments must be
 * equal to the bit after several steps, for sizes with and without a 0–3 float JS tail, with a
 * learning rate changed mid-way (as the schedules do) and a gradient left out.
 */
import * as tf from '@tensorflow/tfjs-core';
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rand, setupBackends } from './helpers';
import { FusedAdamOptimizer } from '../../../src/engine/train/fusedAdam';
import { setLearningRate } from '../../../src/engine/train/optimizer';

/** Weights and optimizer slots after `steps` updates with gradients drawn from `seed`. */
async function run(
  fused: boolean,
  sizes: number[],
  steps: number,
  seed: number,
): Promise<Float32Array[]> {
  const vars = sizes.map((n, i) =>
    tf.variable(tf.tensor1d(rand([n], seed + i)), true, `w${seed}_${fused}_${i}`),
  );
  const opt = fused ? new FusedAdamOptimizer(0.01, 0.9, 0.999) : tf.train.adam(0.01);
  for (let s = 0; s < steps; s++) {
    if (s === 2) setLearningRate(opt, 0.003);
    // Gradients scaled over several orders of magnitude; the last variable skips odd steps.
    const grads = vars.map((v, i) => ({
      name: v.name,
      tensor:
        i === vars.length - 1 && s % 2 === 1
          ? null
          : tf.mul(tf.tensor1d(rand([sizes[i]!], 100 * s + i + seed)), 10 ** ((s % 3) - 1)),
    }));
    opt.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
    tf.dispose(grads.map((g) => g.tensor).filter((t): t is tf.Tensor => t !== null));
  }
  const slots = await opt.getWeights();
  const out = [...vars, ...slots.filter((w) => w.name !== 'iter').map((w) => w.tensor)].map(
    (t) => t.dataSync() as Float32Array,
  );
  slots.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  opt.dispose();
  tf.dispose(vars);
  return out;
}

test('fused Adam on wasm equals tfjs Adam to the bit (weights, first and second moments)', async () => {
  await setupBackends();
  await tf.setBackend('wasm');
  assert.ok(tf.getKernel('RflAdam', 'wasm'), 'the fused kernel is registered on wasm');
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }),
      fc.nat(1000),
      async (sizes, seed) => {
        const [a, b] = [await run(true, sizes, 5, seed), await run(false, sizes, 5, seed)];
        assert.equal(a.length, b.length);
        a.forEach((x, i) => assert.deepEqual(x, b[i], `tensor ${i} of sizes ${sizes.join(',')}`));
      },
    ),
    { numRuns: 12, seed: 48 },
  );
  await tf.setBackend('cpu');
});
