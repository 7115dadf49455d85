/**
 * Property tests for attack(): every iterate stays in the threat model's feasible set, and
 * best-iterate selection never returns a worse point than the clean one.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { attack } from '../../../src/engine/attacks';
import { CLASSES, D, H, W, denseNet, perExampleDist, minMax, TOL } from './helpers';

before(async () => {
  await initBackend('cpu');
});

const batchArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    pixels: fc.array(fc.float({ min: 0, max: 1, noNaN: true }), {
      minLength: n * D,
      maxLength: n * D,
    }),
    labels: fc.array(fc.integer({ min: 0, max: CLASSES - 1 }), { minLength: n, maxLength: n }),
  }),
);

describe('attack: feasible set', () => {
  it('every iterate is within ε of the clean input (ℓ2 / ℓ∞) and inside [0,1]', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.constantFrom('l2' as const, 'linf' as const),
        fc.double({ min: 0.01, max: 2, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        async (batch, norm, eps, stepSize, iterations, randomStart, targeted, seed) => {
          const net = denseNet(seed);
          const x = tf.tensor4d(batch.pixels, [batch.n, H, W, 1]);
          const y = tf.tensor1d(batch.labels, 'int32');
          let seen = 0;
          const res = await attack(net.model, x, y, {
            norm,
            eps,
            stepSize,
            iterations,
            randomStart,
            targeted,
            seed,
            inspect: (_i, xi) => {
              seen++;
              for (const d of perExampleDist(xi, x, norm === 'l2' ? 2 : 'inf'))
                assert.ok(d <= eps + TOL, `‖δ‖ = ${d} > ε = ${eps}`);
              const [lo, hi] = minMax(xi);
              assert.ok(lo >= 0 && hi <= 1, `iterate outside [0,1]: [${lo}, ${hi}]`);
            },
          });
          assert.equal(seen, iterations + 1);
          for (const d of perExampleDist(res.adv, x, norm === 'l2' ? 2 : 'inf'))
            assert.ok(d <= eps + TOL);
          tf.dispose([x, y, res.adv]);
          net.dispose();
        },
      ),
      { numRuns: 25, seed: 20190506 },
    );
  });

  it('unconstrained iterates only stay in [0,1]', async () => {
    const net = denseNet(3);
    const x = tf.randomUniform<tf.Rank.R4>([3, H, W, 1], 0, 1, 'float32', 5);
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const res = await attack(net.model, x, y, {
      norm: 'unconstrained',
      eps: 0,
      stepSize: 2,
      iterations: 4,
      inspect: (_i, xi) => {
        const [lo, hi] = minMax(xi);
        assert.ok(lo >= 0 && hi <= 1);
      },
    });
    assert.ok(
      Math.max(...perExampleDist(res.adv, x, 2)) > 0.5,
      'ε must not constrain the unconstrained step',
    );
    tf.dispose([x, y, res.adv]);
    net.dispose();
  });
});

describe('attack: useBest', () => {
  it('an untargeted attack from the clean point never ends with a lower loss than the clean loss', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.constantFrom('l2' as const, 'linf' as const),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        async (batch, norm, eps, stepSize, iterations, seed) => {
          const net = denseNet(seed);
          const x = tf.tensor4d(batch.pixels, [batch.n, H, W, 1]);
          const y = tf.tensor1d(batch.labels, 'int32');
          const clean = await attack(net.model, x, y, { norm, eps, stepSize, iterations: 0 });
          const res = await attack(net.model, x, y, { norm, eps, stepSize, iterations });
          for (let i = 0; i < batch.n; i++)
            assert.ok(
              (res.finalLoss[i] ?? NaN) >= (clean.finalLoss[i] ?? NaN) - 1e-6,
              `example ${i}: ${res.finalLoss[i]} < ${clean.finalLoss[i]}`,
            );
          tf.dispose([x, y, res.adv, clean.adv]);
          net.dispose();
        },
      ),
      { numRuns: 20, seed: 42 },
    );
  });
});
