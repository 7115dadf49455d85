/**
 * Winograd F(2×2,3×3) and F(4×4,3×3) (src/engine/kernels/conv/winograd.ts), each tile forced in
 * turn, against the cpu backend on random shapes:
 * Conv2D, FusedConv2D with bias and relu/linear, and Conv2DBackpropInput (stride 1, ≥ 8
 * channels into the convolution, so every case here takes the Winograd path), odd and even
 * sizes, 'same'/'valid'/explicit padding, channel counts that are not multiples of 4, and
 * batches split into chunks. Tolerance: max |error| ≤ 1e-4 · max(1, max |cpu result|). The
 * transforms add up to 4 inputs per stage for F(2×2) (×4 growth each way) and weigh them by up to
 * 5 (Bᵀ) and 8 (Aᵀ) for F(4×4) before the float32 GEMM, so Winograd's rounding error is several
 * times the direct convolution's (≤ 1e-5 in convGrads.test.ts); the largest error seen on these
 * cases is printed per tile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { compare, padArb, rand, setupBackends } from './helpers';
import {
  setWinogradChunk,
  setWinogradStrategy,
  setWinogradTile,
} from '../../../src/engine/kernels/conv/winograd';

const TOL = 1e-4;
const TILES = [2, 4] as const;
type Tile = (typeof TILES)[number];
const worst: Record<Tile, number> = { 2: 0, 4: 0 };
let tile: Tile = 2;
before(setupBackends);
after(() =>
  console.log(
    `winograd: largest relative error F(2×2) ${worst[2].toExponential(2)}, ` +
      `F(4×4) ${worst[4].toExponential(2)}`,
  ),
);

function check(err: number): void {
  worst[tile] = Math.max(worst[tile], err);
  assert.ok(err < TOL, `relative error ${err} with F(${tile}×${tile})`);
}

/** Registers a test that runs body with each tile forced in turn. */
function testTiles(name: string, body: () => Promise<void>): void {
  for (const m of TILES)
    test(`${name}, F(${m}×${m})`, async () => {
      tile = m;
      setWinogradTile(m);
      try {
        await body();
      } finally {
        setWinogradTile();
      }
    });
}

const wCase = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 10 }),
    w: fc.integer({ min: 1, max: 10 }),
    ci: fc.integer({ min: 8, max: 13 }),
    co: fc.integer({ min: 1, max: 13 }),
    pad: padArb,
    bias: fc.boolean(),
    activation: fc.constantFrom('linear', 'relu'),
    chunk: fc.boolean(),
    seed: fc.nat(),
  })
  .filter((c) => {
    if (c.pad === 'same') return true;
    const p =
      c.pad === 'valid'
        ? [0, 0, 0, 0]
        : [c.pad[1]![0]!, c.pad[1]![1]!, c.pad[2]![0]!, c.pad[2]![1]!];
    return c.h + p[0]! + p[1]! >= 3 && c.w + p[2]! + p[3]! >= 3;
  });
type WCase = typeof wCase extends fc.Arbitrary<infer T> ? T : never;

const conv = { strides: 1, dataFormat: 'NHWC', dilations: 1 };
const outShape = (c: WCase) =>
  tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.ci],
    [3, 3, c.ci, c.co],
    1,
    1,
    c.pad as 'same',
    undefined,
    false,
    'channelsLast',
  ).outShape as number[];

/** Runs body with a chunk limit of about one image when c.chunk, so batches > 1 are split. */
async function chunked(c: WCase, body: () => Promise<number>): Promise<number> {
  if (c.chunk) setWinogradChunk(1);
  try {
    return await body();
  } finally {
    setWinogradChunk();
  }
}

testTiles('Conv2D (Winograd) matches cpu', async () => {
  await fc.assert(
    fc.asyncProperty(wCase, async (c) => {
      const [xs, fs] = [
        [c.n, c.h, c.w, c.ci],
        [3, 3, c.ci, c.co],
      ];
      const err = await chunked(c, () =>
        compare(
          'Conv2D',
          {
            x: { shape: xs, values: rand(xs, c.seed) },
            filter: { shape: fs, values: rand(fs, c.seed + 1) },
          },
          { ...conv, pad: c.pad },
        ),
      );
      check(err);
    }),
    { numRuns: 40, seed: 51 },
  );
});

testTiles('FusedConv2D with bias and relu/linear (Winograd) matches cpu', async () => {
  await fc.assert(
    fc.asyncProperty(wCase, async (c) => {
      const [xs, fs] = [
        [c.n, c.h, c.w, c.ci],
        [3, 3, c.ci, c.co],
      ];
      const inputs: Record<string, { shape: number[]; values: Float32Array }> = {
        x: { shape: xs, values: rand(xs, c.seed) },
        filter: { shape: fs, values: rand(fs, c.seed + 1) },
      };
      if (c.bias) inputs.bias = { shape: [c.co], values: rand([c.co], c.seed + 2) };
      const err = await chunked(c, () =>
        compare('FusedConv2D', inputs, { ...conv, pad: c.pad, activation: c.activation }),
      );
      check(err);
    }),
    { numRuns: 40, seed: 52 },
  );
});

testTiles('Conv2DBackpropInput, stride 1 (Winograd) matches cpu', async () => {
  // Here the convolution runs over dY: its channels (the forward co) are the ones ≥ 8.
  await fc.assert(
    fc.asyncProperty(wCase, async (c) => {
      const f = { ...c, ci: c.co, co: c.ci };
      const xs = [f.n, f.h, f.w, f.ci],
        fs = [3, 3, f.ci, f.co],
        dys = outShape(f);
      const err = await chunked(c, () =>
        compare(
          'Conv2DBackpropInput',
          {
            dy: { shape: dys, values: rand(dys, c.seed) },
            filter: { shape: fs, values: rand(fs, c.seed + 1) },
          },
          { ...conv, pad: c.pad, inputShape: xs },
        ),
      );
      check(err);
    }),
    { numRuns: 40, seed: 53 },
  );
});

testTiles('Conv2DBackpropFilter, stride 1 (Winograd) matches cpu', async () => {
  await fc.assert(
    fc.asyncProperty(wCase, async (c) => {
      const xs = [c.n, c.h, c.w, c.ci],
        dys = outShape(c);
      const err = await chunked(c, () =>
        compare(
          'Conv2DBackpropFilter',
          {
            x: { shape: xs, values: rand(xs, c.seed) },
            dy: { shape: dys, values: rand(dys, c.seed + 1) },
          },
          { ...conv, pad: c.pad, filterShape: [3, 3, c.ci, c.co] },
        ),
      );
      check(err);
    }),
    { numRuns: 40, seed: 54 },
  );
});

testTiles('Winograd at the cnn layer-2 size matches cpu, in chunks of 3 images', async () => {
  setWinogradChunk(3 * 16 * 49 * 100);
  try {
    const [xs, fs, dys] = [
      [8, 14, 14, 32],
      [3, 3, 32, 64],
      [8, 14, 14, 64],
    ];
    const attrs = { ...conv, pad: 'same' };
    const x = { shape: xs, values: rand(xs, 8) },
      filter = { shape: fs, values: rand(fs, 9) },
      bias = { shape: [64], values: rand([64], 10) },
      dy = { shape: dys, values: rand(dys, 11) };
    check(await compare('Conv2D', { x, filter }, attrs));
    check(await compare('FusedConv2D', { x, filter, bias }, { ...attrs, activation: 'relu' }));
    check(await compare('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xs }));
    check(await compare('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fs }));
  } finally {
    setWinogradChunk();
  }
});

testTiles(
  'Winograd with channels a multiple of 4 but not of 8 (padded GEMM columns) matches cpu',
  async () => {
    // The filter transforms' wasm loops (winoFilter, winoFilterGrad) take these channel counts;
    // co = 12 pads U's columns to 16, and the input gradient runs over 12 channels into 8.
    const [xs, fs, dys] = [
      [2, 6, 7, 8],
      [3, 3, 8, 12],
      [2, 6, 7, 12],
    ];
    const attrs = { ...conv, pad: 'same' };
    const x = { shape: xs, values: rand(xs, 14) },
      filter = { shape: fs, values: rand(fs, 15) },
      bias = { shape: [12], values: rand([12], 16) },
      dy = { shape: dys, values: rand(dys, 17) };
    check(await compare('FusedConv2D', { x, filter, bias }, { ...attrs, activation: 'relu' }));
    check(await compare('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xs }));
    check(await compare('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fs }));
  },
);

test('the Winograd path runs with each tile: their rounding differs from the direct convolution', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor(rand([2, 8, 8, 8], 12), [2, 8, 8, 8]),
    w = tf.tensor(rand([3, 3, 8, 8], 13), [3, 3, 8, 8]);
  const conv2d = (m?: Tile) => {
    setWinogradTile(m);
    try {
      return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').dataSync();
    } finally {
      setWinogradTile();
    }
  };
  const [f2, f4] = [conv2d(2), conv2d(4)];
  setWinogradStrategy('off');
  try {
    const direct = conv2d();
    assert.ok(f2.some((v, i) => v !== direct[i]));
    assert.ok(f4.some((v, i) => v !== direct[i]));
    assert.ok(f4.some((v, i) => v !== f2[i]));
  } finally {
    setWinogradStrategy('auto');
    tf.dispose([x, w]);
    await tf.setBackend('cpu');
  }
});
