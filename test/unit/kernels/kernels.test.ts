/**
 * Our other wasm kernels against the cpu backend's: MaxPoolGrad (random shapes, with ties),
 * BatchMatMul (transposes, batches, broadcasting), Sum, and the copy-free Identity/Cast.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { compare, on, rand, setupBackends } from './helpers';

const TOL = 1e-5;
before(setupBackends);

test('MaxPoolGrad matches cpu, ties included', async () => {
  const poolCase = fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 9 }),
      w: fc.integer({ min: 1, max: 9 }),
      c: fc.integer({ min: 1, max: 9 }),
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      pad: fc.constantFrom('same', 'valid'),
      seed: fc.nat(),
      ties: fc.boolean(),
    })
    .filter((p) => p.pad === 'same' || (p.h >= p.k && p.w >= p.k));
  await fc.assert(
    fc.asyncProperty(poolCase, async (p) => {
      const xShape = [p.n, p.h, p.w, p.c];
      // Ties: many equal values (as after a relu) must give dy to the first maximum only.
      const xv = rand(xShape, p.seed).map((v) => (p.ties ? Math.max(0, Math.round(v * 2) / 2) : v));
      const y = await on('cpu', () =>
        tf.maxPool(tf.tensor4d(xv, xShape as [number, number, number, number]), p.k, p.s, p.pad),
      );
      const err = await compare(
        'MaxPoolGrad',
        {
          dy: { shape: y.shape, values: rand(y.shape, p.seed + 1) },
          input: { shape: xShape, values: xv },
          output: y,
        },
        { filterSize: p.k, strides: p.s, pad: p.pad },
      );
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 60, seed: 44 },
  );
});

/** A (batched) product on wasm against cpu; the transposed operands are stored transposed. */
async function matMulError(
  a: number[],
  b: number[],
  c: { m: number; k: number; n: number; ta: boolean; tb: boolean; seed: number },
): Promise<number> {
  const aShape = [...a, ...(c.ta ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...b, ...(c.tb ? [c.n, c.k] : [c.k, c.n])];
  return compare(
    'BatchMatMul',
    {
      a: { shape: aShape, values: rand(aShape, c.seed) },
      b: { shape: bShape, values: rand(bShape, c.seed + 1) },
    },
    { transposeA: c.ta, transposeB: c.tb },
  );
}

test('BatchMatMul with transposes and batches matches cpu', async () => {
  const mmCase = fc.record({
    b: fc.constantFrom(1, 3),
    m: fc.integer({ min: 1, max: 40 }),
    k: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 40 }),
    ta: fc.boolean(),
    tb: fc.boolean(),
    broadcast: fc.boolean(),
    seed: fc.nat(),
  });
  await fc.assert(
    fc.asyncProperty(mmCase, async (c) => {
      const err = await matMulError([c.b], [c.broadcast ? 1 : c.b], c);
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 40, seed: 45 },
  );
});

test('BatchMatMul on our GEMM loop (rows a multiple of 4, columns of 8) matches cpu', async () => {
  const mmCase = fc.record({
    m: fc.integer({ min: 1, max: 12 }).map((v) => 4 * v),
    k: fc.integer({ min: 1, max: 300 }),
    n: fc.integer({ min: 1, max: 6 }).map((v) => 8 * v),
    ta: fc.boolean(),
    tb: fc.boolean(),
    seed: fc.nat(),
  });
  await fc.assert(
    fc.asyncProperty(mmCase, async (c) => {
      const err = await matMulError([], [], c);
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 40, seed: 46 },
  );
});

test('BatchMatMul with a wide right operand (rows over 4 KiB: column blocks) matches cpu', async () => {
  // The dense layers' input gradient dY·Wᵀ: B's rows are over 1,024 floats, so ownGemm walks
  // the output by column blocks (batchMatMul.ts); n need not be a multiple of the block width.
  const wideCase = fc.record({
    m: fc.integer({ min: 1, max: 6 }).map((v) => 4 * v),
    k: fc.integer({ min: 60, max: 200 }),
    n: fc.integer({ min: 0, max: 200 }).map((v) => 2048 + 8 * v),
    ta: fc.boolean(),
    tb: fc.boolean(),
    seed: fc.nat(),
  });
  await fc.assert(
    fc.asyncProperty(
      wideCase.filter((c) => c.k * c.n >= 1 << 18),
      async (c) => {
        const err = await matMulError([], [], c);
        assert.ok(err < TOL, `relative error ${err}`);
      },
    ),
    { numRuns: 8, seed: 47 },
  );
});

test('BatchMatMul with rows of 4 KiB (copied to padded rows) and our transpose matches cpu', async () => {
  // Power-of-two widths: A's or B's rows a multiple of 4 KiB are copied with 64 bytes more a
  // row, a transposed B (sides multiples of 4) goes through our transpose4 loop (batchMatMul.ts).
  const cases = [
    { m: 8, k: 1024, n: 16 }, // A's rows 4 KiB
    { m: 1024, k: 12, n: 8 }, // Aᵀ's rows (ta) 4 KiB
    { m: 4, k: 20, n: 1024 }, // B's rows 4 KiB (and wide)
    { m: 12, k: 2048, n: 24 }, // A's rows 8 KiB
  ];
  for (const [i, c] of cases.entries())
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const err = await matMulError([], [], { ...c, ta, tb, seed: 60 + i });
        assert.ok(err < TOL, `${JSON.stringify({ ...c, ta, tb })}: relative error ${err}`);
      }
});

test('Sum over leading (and other) axes matches cpu', async () => {
  for (const [shape, axis, keepDims] of [
    [[128, 28, 28, 32], [0, 1, 2], false],
    [[7, 5, 3, 6], [0, 1, 2], true],
    [[300, 10], [0], false],
    [[4, 5, 6], [0, 1], false],
    [[4, 5, 6], [1, 2], false],
    [[4, 5, 6], [0, 2], true],
    [[9], [0], false],
  ] as const) {
    const err = await compare(
      'Sum',
      { x: { shape: [...shape], values: rand([...shape], 9) } },
      { axis, keepDims },
    );
    assert.ok(err < TOL, `${JSON.stringify([shape, axis])}: relative error ${err}`);
  }
});

test('Identity and same-dtype Cast share data and leak nothing', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend();
  const x = tf.tensor([1, 2, 3]);
  const before = backend.numDataIds();
  const y = tf.engine().runKernel<tf.Tensor>('Identity', { x });
  const z = tf.cast(x, 'float32');
  const i = tf.cast(x, 'int32');
  assert.equal(backend.numDataIds(), before + 1); // only the int32 cast needed new memory
  x.dispose();
  assert.deepEqual(
    [...(await y.data()), ...(await z.data()), ...(await i.data())],
    [1, 2, 3, 1, 2, 3, 1, 2, 3],
  );
  tf.dispose([y, z, i]);
  assert.equal(backend.numDataIds(), before - 1);
});

test('Tile and Mean (batchnorm and its gradient) match cpu', async () => {
  const cases: Array<[number[], number[]]> = [
    [
      [1, 1, 1, 16],
      [8, 7, 7, 1],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [
      [3, 1, 2],
      [1, 4, 1],
    ],
    [[5], [1]],
  ];
  for (const [shape, reps] of cases) {
    const err = await compare('Tile', { x: { shape, values: rand(shape, 3) } }, { reps });
    assert.ok(err < TOL, `Tile ${JSON.stringify([shape, reps])}: relative error ${err}`);
  }
  const ints = (b: 'cpu' | 'wasm') =>
    on(b, () => tf.cast(tf.tile(tf.tensor2d([[1, 2]], [1, 2], 'int32'), [2, 2]), 'float32'));
  assert.deepEqual([...(await ints('wasm')).values], [...(await ints('cpu')).values]);
  for (const [shape, axis] of [
    [
      [64, 7, 7, 16],
      [0, 1, 2],
    ],
    [[4, 5, 6], [1]],
    [[300, 3], [0]],
  ] as const) {
    const err = await compare(
      'Mean',
      { x: { shape: [...shape], values: rand([...shape], 4) } },
      { axis, keepDims: true },
    );
    assert.ok(err < TOL, `Mean ${JSON.stringify(shape)}: relative error ${err}`);
  }
});

test('FusedBatchNorm matches cpu (per-channel, scalar and absent parameters)', async () => {
  const x = { shape: [4, 5, 5, 6], values: rand([4, 5, 5, 6], 8) };
  const vec = (n: number, seed: number, positive = false) => ({
    shape: [n],
    values: rand([n], seed).map((v) => (positive ? Math.abs(v) + 0.1 : v)),
  });
  for (const c of [6, 1]) {
    const inputs = {
      x,
      mean: vec(c, 1),
      variance: vec(c, 2, true),
      offset: vec(c, 3),
      scale: vec(c, 4),
    };
    assert.ok((await compare('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 })) < TOL);
  }
  const bare = { x, mean: vec(6, 5), variance: vec(6, 6, true) };
  assert.ok((await compare('FusedBatchNorm', bare, { varianceEpsilon: 1e-3 })) < TOL);
  const x4 = { shape: [3, 8], values: rand([3, 8], 9) };
  const four = {
    x: x4,
    mean: vec(8, 1),
    variance: vec(8, 2, true),
    offset: vec(8, 3),
    scale: vec(8, 4),
  };
  assert.ok((await compare('FusedBatchNorm', four, { varianceEpsilon: 1e-3 })) < TOL);
});

test('Concat and SplitV along the channels match cpu; other axes and int32 too (stock)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
      async (lead, widths) => {
        const parts = widths.map((w, i) => {
          const shape = [...lead, w];
          return { shape, values: rand(shape, 40 + i) };
        });
        const run = (b: 'cpu' | 'wasm') =>
          on(b, () => {
            const joined = tf.concat(
              parts.map((p) => tf.tensor(p.values, p.shape)),
              -1,
            );
            // Split it again in other sizes (SplitV), and joined back in reverse order.
            const sizes = [...widths].reverse();
            return tf.concat(tf.split(joined, sizes, -1).reverse(), -1);
          });
        const [a, b] = [await run('cpu'), await run('wasm')];
        assert.deepEqual(b.shape, a.shape);
        assert.deepEqual([...b.values], [...a.values], `${JSON.stringify([lead, widths])}`);
      },
    ),
    { numRuns: 40, seed: 71 },
  );
  const other = (b: 'cpu' | 'wasm') =>
    on(b, () => {
      const x = tf.tensor(rand([3, 4, 5], 50), [3, 4, 5]);
      const [p, q] = tf.split(x, [1, 3], 1);
      // A middle axis: the stock kernels.
      return tf.concat([q!, p!], 1);
    });
  const [a, b] = [await other('cpu'), await other('wasm')];
  assert.deepEqual([...b.values], [...a.values]);
  const ints = (b: 'cpu' | 'wasm') =>
    on(b, () =>
      tf.cast(
        tf.concat(tf.split(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'), [3, 1], 1).reverse(), 1),
        'float32',
      ),
    );
  assert.deepEqual([...(await ints('wasm')).values], [4, 1, 2, 3]);
});

test('AvgPoolGrad matches cpu: tiling windows (ours, odd sizes too) and overlapping ones (stock)', async () => {
  const cases: Array<[number[], number | [number, number], number | [number, number], string]> = [
    [[3, 14, 14, 36], 2, 2, 'valid'],
    [[2, 7, 7, 5], 2, 2, 'valid'],
    [[2, 9, 8, 3], [3, 2], [3, 2], 'valid'],
    [[2, 8, 8, 4], 3, 2, 'same'],
  ];
  for (const [shape, filterSize, strides, pad] of cases) {
    const x = { shape, values: rand(shape, 61) };
    const pooled = await on('cpu', () =>
      tf.avgPool(
        tf.tensor4d(x.values, shape as [number, number, number, number]),
        filterSize,
        strides,
        pad as 'valid',
      ),
    );
    const dy = { shape: pooled.shape, values: rand(pooled.shape, 62) };
    const err = await compare('AvgPoolGrad', { dy, input: x }, { filterSize, strides, pad });
    assert.ok(
      err < TOL,
      `AvgPoolGrad ${JSON.stringify([shape, filterSize, strides, pad])}: ${err}`,
    );
  }
});
