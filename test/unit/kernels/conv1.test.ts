/**
 * The direct loops for 3×3 stride-1 convolutions of one- and three-channel images (conv1.ts)
 * against the cpu backend on random shapes: Conv2D, FusedConv2D with and without bias, relu/linear, and both
 * gradients; 'same', 'valid' and explicit pads (which move the window against the padded frame),
 * sizes down to 1×1 and output channels in blocks of 4. Tolerance as for the direct convolution
 * (convGrads.test.ts): 9·ch products per output, or one sum over all pixels for dW.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { compare, padArb, rand, setupBackends } from './helpers';
import { conv1Runs, setConv1 } from '../../../src/engine/kernels/conv/conv1';

const TOL = 1e-5;
before(setupBackends);

const c1Case = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 11 }),
    w: fc.integer({ min: 1, max: 11 }),
    ch: fc.constantFrom(1, 3),
    co: fc.constantFrom(4, 8, 12, 32),
    pad: padArb,
    bias: fc.boolean(),
    activation: fc.constantFrom('linear', 'relu'),
    seed: fc.nat(),
  })
  .filter((c) => {
    if (typeof c.pad === 'string') return c.pad === 'same' || (c.h >= 3 && c.w >= 3);
    return c.h + c.pad[1]![0]! + c.pad[1]![1]! >= 3 && c.w + c.pad[2]![0]! + c.pad[2]![1]! >= 3;
  });

type C1 = typeof c1Case extends fc.Arbitrary<infer T> ? T : never;

function shapes(c: C1) {
  const xShape = [c.n, c.h, c.w, c.ch],
    fShape = [3, 3, c.ch, c.co];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    fShape as [number, number, number, number],
    1,
    1,
    c.pad as 'same',
    undefined,
    false,
    'channelsLast',
  );
  return { xShape, fShape, dyShape: info.outShape as number[] };
}

test('conv1: Conv2D and FusedConv2D (bias, relu/linear) match cpu', async () => {
  await fc.assert(
    fc.asyncProperty(c1Case, async (c) => {
      const { xShape, fShape } = shapes(c);
      const inputs: Record<string, { shape: number[]; values: Float32Array }> = {
        x: { shape: xShape, values: rand(xShape, c.seed) },
        filter: { shape: fShape, values: rand(fShape, c.seed + 1) },
      };
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
      assert.ok((await compare('Conv2D', inputs, attrs)) < TOL);
      if (c.bias) inputs.bias = { shape: [c.co], values: rand([c.co], c.seed + 2) };
      const err = await compare('FusedConv2D', inputs, { ...attrs, activation: c.activation });
      assert.ok(err < TOL, `relative error ${err}`);
    }),
    { numRuns: 60, seed: 71 },
  );
});

test('conv1: Conv2DBackpropFilter and Conv2DBackpropInput match cpu', async () => {
  await fc.assert(
    fc.asyncProperty(c1Case, async (c) => {
      const { xShape, fShape, dyShape } = shapes(c);
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC' };
      const x = { shape: xShape, values: rand(xShape, c.seed) };
      const dy = { shape: dyShape, values: rand(dyShape, c.seed + 1) };
      const filter = { shape: fShape, values: rand(fShape, c.seed + 2) };
      const errW = await compare(
        'Conv2DBackpropFilter',
        { x, dy },
        { ...attrs, filterShape: fShape },
      );
      assert.ok(errW < TOL, `dW relative error ${errW}`);
      const errX = await compare(
        'Conv2DBackpropInput',
        { dy, filter },
        { ...attrs, inputShape: xShape },
      );
      assert.ok(errX < TOL, `dX relative error ${errX}`);
    }),
    { numRuns: 60, seed: 72 },
  );
});

// Which passes take the loops: all three for one channel, the input gradient alone for three
// (CONV1_CHANNELS in simdConv1.ts).
for (const [name, ch, side, loops] of [
  ['the cnn first layer (28×28×1)', 1, 28, ['forward', 'filterGrad', 'inputGrad']],
  ['an RGB first layer (32×32×3)', 3, 32, ['inputGrad']],
] as const) {
  test(`conv1 at ${name}, batch 8, 32 channels, matches cpu, and the loops are what ran`, async () => {
    const xs = [8, side, side, ch],
      fs = [3, 3, ch, 32],
      dys = [8, side, side, 32];
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
    const x = { shape: xs, values: rand(xs, 21) },
      filter = { shape: fs, values: rand(fs, 22) };
    const bias = { shape: [32], values: rand([32], 23) },
      dy = { shape: dys, values: rand(dys, 24) };
    const cases: Array<[string, keyof typeof conv1Runs, Record<string, typeof x>, object]> = [
      [
        'FusedConv2D',
        'forward',
        { x, filter, bias },
        { ...attrs, dilations: 1, activation: 'relu' },
      ],
      ['Conv2DBackpropFilter', 'filterGrad', { x, dy }, { ...attrs, filterShape: fs }],
      ['Conv2DBackpropInput', 'inputGrad', { dy, filter }, { ...attrs, inputShape: xs }],
    ];
    for (const [kernel, loop, inputs, a] of cases) {
      const before = conv1Runs[loop];
      assert.ok((await compare(kernel, inputs, a)) < TOL, kernel);
      const ran = (loops as readonly string[]).includes(loop) ? 1 : 0;
      assert.equal(conv1Runs[loop], before + ran, `${kernel}: conv1's ${loop} loop ran ≠ ${ran}`);
    }
    // Off, the same shapes go back to the general forms.
    setConv1(false);
    try {
      const before = { ...conv1Runs };
      for (const [kernel, , inputs, a] of cases)
        assert.ok((await compare(kernel, inputs, a)) < TOL, kernel);
      assert.deepEqual(conv1Runs, before);
    } finally {
      setConv1(true);
    }
  });
}
