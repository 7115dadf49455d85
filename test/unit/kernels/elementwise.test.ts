/**
 * Our element-wise wasm kernels (elementwise.ts, reluGrad.ts) against the cpu backend, bit for
 * bit: float32 +, ×, max and the ReLU gradient's multiply are exact, so any difference is a bug.
 * Values include ±0, ±∞, NaN and subnormals; sizes are odd so the JS tails run too.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { on, setupBackends } from './helpers';
import { elementwiseOn } from '../../../src/engine/kernels/elementwise/elementwise';

before(setupBackends);

const SPECIAL = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38];
/** Mostly ordinary values, with a sprinkle of special ones. */
const values = (n: number) =>
  fc.array(fc.oneof({ weight: 4, arbitrary: fc.float() }, fc.constantFrom(...SPECIAL)), {
    minLength: n,
    maxLength: n,
  });

/** The bits of each float, one NaN pattern for all NaNs (payloads are not specified). */
function bits(values: ArrayLike<number>): number[] {
  // (cpu's int32 → float32 Cast keeps its Int32Array.)
  const a = Float32Array.from(values);
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  return Array.from(a, (v, i) => (Number.isNaN(v) ? 0x7fc00000 : u[i]!));
}

async function sameBits(f: (b: 'cpu' | 'wasm') => tf.Tensor): Promise<void> {
  const a = await on('cpu', () => f('cpu'));
  const b = await on('wasm', () => f('wasm'));
  assert.deepEqual(b.shape, a.shape);
  assert.deepEqual(bits(b.values), bits(a.values));
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
const withValues = (count: number) =>
  shapeArb.chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(values(shape.reduce((p, d) => p * d, 1)), { minLength: count, maxLength: count }),
    ),
  );

test('Relu matches cpu bit for bit', async () => {
  await fc.assert(
    fc.asyncProperty(withValues(1), async ([shape, vs]) => {
      await sameBits(() => tf.relu(tf.tensor(vs[0]!, shape)));
    }),
    { numRuns: 60, seed: 50 },
  );
});

test('RflReluGrad equals mul(dy, step(x)) on cpu, bit for bit', async () => {
  await fc.assert(
    fc.asyncProperty(withValues(2), async ([shape, vs]) => {
      await sameBits((b) => {
        const [x, dy] = [tf.tensor(vs[0]!, shape), tf.tensor(vs[1]!, shape)];
        // cpu: tfjs's own composite; wasm: our fused kernel.
        return b === 'cpu'
          ? tf.mul(dy, tf.cast(tf.step(x), 'float32'))
          : tf.engine().runKernel<tf.Tensor>('RflReluGrad', { dy, x });
      });
    }),
    { numRuns: 60, seed: 51 },
  );
});

test('Add and Multiply, same shape and channel-vector broadcasts in both orders', async () => {
  const binCase = fc.record({
    shape: shapeArb,
    kind: fc.constantFrom('same', 'vec', 'vec1s'),
    swap: fc.boolean(),
    mul: fc.boolean(),
    seed: fc.nat(),
  });
  await fc.assert(
    fc.asyncProperty(
      binCase.chain((c) => {
        const last = c.shape[c.shape.length - 1]!;
        const small =
          c.kind === 'same'
            ? c.shape
            : c.kind === 'vec'
              ? [last]
              : [...c.shape.map(() => 1).slice(1), last];
        const n = c.shape.reduce((p, d) => p * d, 1);
        return fc.tuple(
          fc.constant(c),
          fc.constant(small),
          values(n),
          values(last * (c.kind === 'same' ? n / last : 1)),
        );
      }),
      async ([c, small, av, bv]) => {
        await sameBits(() => {
          let [a, b] = [tf.tensor(av, c.shape), tf.tensor(bv, small)];
          if (c.swap) [a, b] = [b, a];
          return c.mul ? tf.mul(a, b) : tf.add(a, b);
        });
      },
    ),
    { numRuns: 80, seed: 52 },
  );
});

test('Add and Multiply with a single value (splatted past 64 elements), both orders', async () => {
  const scalarCase = fc.record({
    shape: fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 9 })),
    rank: fc.integer({ min: 0, max: 2 }),
    swap: fc.boolean(),
    mul: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      scalarCase.chain((c) => fc.tuple(fc.constant(c), values(c.shape[0] * c.shape[1]), values(1))),
      async ([c, av, bv]) => {
        await sameBits(() => {
          let [a, b] = [tf.tensor(av, c.shape), tf.tensor(bv, Array<number>(c.rank).fill(1))];
          if (c.swap) [a, b] = [b, a];
          return c.mul ? tf.mul(a, b) : tf.add(a, b);
        });
      },
    ),
    { numRuns: 60, seed: 53 },
  );
});

test('other broadcasts and int32 go to the stock kernels', async () => {
  const a = [1.5, -2, 3, NaN, 5, 6, -0, 8, 9, 10, 11, 12];
  await sameBits(() => tf.add(tf.tensor(a, [2, 6]), tf.tensor([1, -0], [2, 1])));
  await sameBits(() => tf.mul(tf.tensor(a, [2, 2, 3]), tf.tensor([2, 3, 4, 5, 6, 7], [2, 1, 3])));
  await sameBits(() => tf.add(tf.tensor(a, [12]), tf.scalar(-0)));
  await sameBits(() =>
    tf.cast(
      tf.add(tf.tensor([1, 2, 3, 4, 5], [5], 'int32'), tf.tensor([7], [1], 'int32')),
      'float32',
    ),
  );
});

test('the gradient of relu runs the fused kernel and equals tfjs composite', async () => {
  const shape = [3, 5, 7];
  const n = 105;
  const xv = Array.from({ length: n }, (_, i) =>
    i % 7 === 0 ? -0 : i % 11 === 0 ? NaN : Math.sin(i),
  );
  const wv = Array.from({ length: n }, (_, i) => Math.cos(i) * (i % 13 === 0 ? -1 : 1));
  const grad = () =>
    tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), tf.tensor(wv, shape))))(
      tf.tensor(xv, shape),
    );
  // Reference: tfjs's own gradient (mul(dy, step(x))) on cpu.
  elementwiseOn.reluGrad = false;
  const ref = await on('cpu', grad);
  elementwiseOn.reluGrad = true;
  for (const b of ['cpu', 'wasm'] as const) {
    const got = await on(b, grad);
    assert.deepEqual(bits(got.values), bits(ref.values), b);
  }
  await tf.setBackend('wasm');
  const p = await tf.profile(() => grad());
  const names = p.kernels.map((k) => k.name);
  assert.ok(names.includes('RflReluGrad') && !names.includes('Step'), names.join());
  tf.dispose(p.result);
});

test('second-order: the fused kernel passes gradients to dy through the same mask', async () => {
  const xv = [-1, 2, -0, 3, -4, 0.5, 7];
  const v = [1, 2, 3, 4, 5, 6, 7];
  // d/dw Σ v·∂/∂x Σ w·relu(x) = v·step(x).
  const f = () =>
    tf.grad((w: tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.tensor(v),
          tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), w)))(tf.tensor(xv)),
        ),
      ),
    )(tf.ones([7]));
  for (const b of ['cpu', 'wasm'] as const) {
    const got = await on(b, f);
    assert.deepEqual(Array.from(got.values), [0, 2, 0, 4, 0, 6, 7], b);
  }
});
