/**
 * Our wasm conv gradients against the cpu backend's, on random shapes (fast-check): batch 1–3,
 * strides 1–3, 'same'/'valid'/explicit padding, 1–9 channels, kernels 1–4; both forms of dW.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { compare, padArb, rand, setupBackends } from './helpers';
import {
  setFilterGradChunk,
  setFilterGradStrategy,
} from '../../../src/engine/kernels/conv/convFilterGemm';
import { setInputGradStrategy } from '../../../src/engine/kernels/conv/convInputGemm';
import { setWinogradStrategy } from '../../../src/engine/kernels/conv/winograd';

const TOL = 1e-5;
before(setupBackends);

/** Channel counts: any small ones, or whole vectors (the by-pixel im2col / col2im copies), or
 * (3, 6, 7 in) padded to whole vectors for the input gradient's scatter. */
const anyChannels = { ci: fc.integer({ min: 1, max: 9 }), co: fc.integer({ min: 1, max: 9 }) };
const vectorChannels = {
  ci: fc.constantFrom(3, 4, 6, 7, 8, 12, 16),
  co: fc.constantFrom(8, 16, 24),
};

const convCaseOf = (channels: typeof anyChannels) =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 9 }),
      w: fc.integer({ min: 1, max: 9 }),
      ...channels,
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 4 }),
      stride: fc.integer({ min: 1, max: 3 }),
      pad: padArb,
      seed: fc.nat(),
    })
    .filter((c) => {
      const [pt, pb, pl, pr] =
        typeof c.pad === 'string'
          ? [0, 0, 0, 0]
          : [c.pad[1]![0]!, c.pad[1]![1]!, c.pad[2]![0]!, c.pad[2]![1]!];
      return c.pad === 'same' || (c.h + pt + pb >= c.kh && c.w + pl + pr >= c.kw);
    });
const convCase = convCaseOf(anyChannels);

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function convShapes(c: ConvCase) {
  const xShape = [c.n, c.h, c.w, c.ci],
    fShape = [c.kh, c.kw, c.ci, c.co];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    fShape as [number, number, number, number],
    c.stride,
    1,
    c.pad as 'same',
    undefined,
    false,
    'channelsLast',
  );
  return { xShape, fShape, dyShape: info.outShape as number[] };
}

for (const strategy of ['gemm', 'conv'] as const) {
  test(`Conv2DBackpropFilter (${strategy} form) matches cpu`, async () => {
    setFilterGradStrategy(strategy);
    try {
      await fc.assert(
        fc.asyncProperty(convCase, async (c) => {
          const { xShape, fShape, dyShape } = convShapes(c);
          const err = await compare(
            'Conv2DBackpropFilter',
            {
              x: { shape: xShape, values: rand(xShape, c.seed) },
              dy: { shape: dyShape, values: rand(dyShape, c.seed + 1) },
            },
            { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape },
          );
          assert.ok(err < TOL, `relative error ${err}`);
        }),
        { numRuns: 40, seed: 42 },
      );
    } finally {
      setFilterGradStrategy('auto');
    }
  });
}

for (const strategy of ['gemm', 'conv'] as const) {
  test(`Conv2DBackpropInput (${strategy} form) matches cpu`, async () => {
    setInputGradStrategy(strategy);
    try {
      await fc.assert(
        fc.asyncProperty(convCase, async (c) => {
          const { xShape, fShape, dyShape } = convShapes(c);
          const err = await compare(
            'Conv2DBackpropInput',
            {
              dy: { shape: dyShape, values: rand(dyShape, c.seed) },
              filter: { shape: fShape, values: rand(fShape, c.seed + 1) },
            },
            { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape },
          );
          assert.ok(err < TOL, `relative error ${err}`);
        }),
        { numRuns: 40, seed: 43 },
      );
    } finally {
      setInputGradStrategy('auto');
    }
  });
}

test('both gradients with whole or padded vectors of channels (pixel-by-pixel im2col, col2im) match cpu', async () => {
  // The GEMM forms everywhere (no Winograd), P sometimes in chunks of one image.
  setFilterGradStrategy('gemm');
  setInputGradStrategy('gemm');
  setWinogradStrategy('off');
  try {
    await fc.assert(
      fc.asyncProperty(convCaseOf(vectorChannels), fc.boolean(), async (c, chunked) => {
        setFilterGradChunk(chunked ? c.h * c.w * c.kh * c.kw * c.ci : undefined);
        const { xShape, fShape, dyShape } = convShapes(c);
        const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
        const x = { shape: xShape, values: rand(xShape, c.seed) };
        const dy = { shape: dyShape, values: rand(dyShape, c.seed + 1) };
        const filter = { shape: fShape, values: rand(fShape, c.seed + 2) };
        const dw = await compare(
          'Conv2DBackpropFilter',
          { x, dy },
          { ...attrs, filterShape: fShape },
        );
        assert.ok(dw < TOL, `dW relative error ${dw}`);
        const dx = await compare(
          'Conv2DBackpropInput',
          { dy, filter },
          { ...attrs, inputShape: xShape },
        );
        assert.ok(dx < TOL, `dX relative error ${dx}`);
      }),
      { numRuns: 40, seed: 47 },
    );
  } finally {
    setFilterGradStrategy('auto');
    setInputGradStrategy('auto');
    setWinogradStrategy('auto');
    setFilterGradChunk();
  }
});

test('Conv2D matches cpu', async () => {
  await fc.assert(
    fc.asyncProperty(convCase, async (c) => {
      const { xShape, fShape } = convShapes(c);
      const err = await compare(
        'Conv2D',
        {
          x: { shape: xShape, values: rand(xShape, c.seed) },
          filter: { shape: fShape, values: rand(fShape, c.seed + 1) },
        },
        { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1 },
      );
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 40, seed: 46 },
  );
});

test('conv gradients at the cnn layer sizes match cpu, with P built in chunks of images', async () => {
  // The cpu backend's dW is slow (13 s for 8 images of layer 2): few images. The tiny chunk
  // limit makes the GEMM form of dW build P for 3 (layer 1) or 1 (layer 2) images at a time.
  setFilterGradChunk(3 * 9 * 28 * 28);
  try {
    const cases: Array<[number[], number[]]> = [
      [
        [8, 28, 28, 1],
        [3, 3, 1, 32],
      ],
      [
        [2, 14, 14, 32],
        [3, 3, 32, 64],
      ],
    ];
    for (const [xShape, fShape] of cases) {
      const dyShape = [...xShape.slice(0, 3), fShape[3]!];
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
      const x = { shape: xShape, values: rand(xShape, 5) },
        dy = { shape: dyShape, values: rand(dyShape, 6) };
      assert.ok(
        (await compare('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape })) < TOL,
      );
      const filter = { shape: fShape, values: rand(fShape, 7) };
      assert.ok(
        (await compare('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape })) <
          TOL,
      );
    }
  } finally {
    setFilterGradChunk();
  }
});
