/**
 * 3×3 stride-1 convolutions of one-channel images (the first layer of every model on
 * Fashion-MNIST) by the direct SIMD loops of simdConv1.ts: forward (with bias and relu), filter
 * gradient and input gradient, in place of XNNPACK's forward, the im2col GEMM filter gradient and
 * the GEMM + col2im input gradient; and the input gradient of three-channel (RGB) first layers
 * (CONV1_CHANNELS says which; CHANGELOG.md has what these loops gave).
 * Work is split across our loop threads by images (forward, input gradient) or by blocks of 4
 * output channels (filter gradient); either way every output is summed in one fixed order, so the
 * results do not depend on the thread count (nor, hence, on the pool size).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { backend_util } from '@tensorflow/tfjs-core';
import { heapF32, Scope, TI } from '../wasm/call';
import { imageParts, splitRange, type Program } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { zeroFill } from '../wasm/zeroFill';
import { CONV1_CHANNELS } from './simdConv1';

let enabled = true;
/** How often each loop ran (tests check that a shape took this path). */
export const conv1Runs = { forward: 0, filterGrad: 0, inputGrad: 0 };
/** For benchmarks and tests: off sends these convolutions back to the general forms. */
export function setConv1(on: boolean): void {
  enabled = on;
}

/** Whether the loops can take this pass of this convolution (shape and our SIMD module). */
export function useConv1(
  backend: BackendWasm,
  ci: backend_util.Conv2DInfo,
  pass: keyof typeof CONV1_CHANNELS,
  ...tensors: TI[]
): boolean {
  return (
    enabled &&
    (CONV1_CHANNELS[pass] as readonly number[]).includes(ci.inChannels) &&
    ci.filterHeight === 3 &&
    ci.filterWidth === 3 &&
    ci.strideHeight === 1 &&
    ci.strideWidth === 1 &&
    ci.dilationHeight === 1 &&
    ci.dilationWidth === 1 &&
    ci.outChannels % 4 === 0 &&
    ci.dataFormat === 'channelsLast' &&
    ci.padInfo.top >= 0 &&
    ci.padInfo.left >= 0 &&
    tensors.every((t) => t.dtype === 'float32') &&
    simdFor(backend) !== null
  );
}

/**
 * The input with its zero border, [n, ho + 2, wo + 2, ch]: x[r − pt, c − pl] or 0, so the window
 * never clips. The border is zeroed here; `copies(i0, i1)` is the program (our SIMD strided copy)
 * that fills images i0..i1, for the loop threads to run before they use those images.
 */
function padded(
  s: Scope,
  x: TI,
  ci: backend_util.Conv2DInfo,
): { xp: TI; row: number; image: number; copies: (i0: number, i1: number) => Program } {
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, inChannels: ch } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  // ho + 2 = h + pt + pb (a 3×3 window, stride 1): every input row and column has its place.
  const [ph, pw] = [ho + 2, wo + 2];
  const xp = s.make([ci.batchSize, ph, pw, ch]);
  zeroFill(s.backend, xp);
  const [src, dst] = [addressOf(s.backend, x), addressOf(s.backend, xp) + (pt * pw + pl) * ch * 4];
  const [row, image] = [pw * ch * 4, ph * pw * ch * 4];
  // An image row of x (w·ch floats) is contiguous on both sides.
  const copies = (i0: number, i1: number): Program => [
    {
      fn: 'strided3d',
      args: [
        src + i0 * h * w * ch * 4,
        dst + i0 * image,
        i1 - i0,
        h * w * ch * 4,
        image,
        h,
        w * ch * 4,
        row,
        w * ch,
        4,
        4,
        0,
      ],
    },
  ];
  return { xp, row, image, copies };
}

/** out = (relu)(conv(x, filter) + bias): [n, ho, wo, co]. */
export function conv1Forward(
  s: Scope,
  x: TI,
  filter: TI,
  ci: backend_util.Conv2DInfo,
  bias: TI | undefined,
  relu: boolean,
): TI {
  const backend = s.backend;
  const { batchSize: n, outHeight: ho, outWidth: wo, outChannels: co } = ci;
  const { xp, row, image, copies } = padded(s, x, ci);
  let b = bias;
  if (!b) {
    b = s.make([co]);
    heapF32(backend, b).fill(0);
  }
  const out = s.make([n, ho, wo, co]);
  conv1Runs.forward++;
  const threads = loopThreadsFor(backend)!;
  const [pxp, pw, pb, po] = [
    addressOf(backend, xp),
    addressOf(backend, filter),
    addressOf(backend, b),
    addressOf(backend, out),
  ];
  const outImage = ho * wo * co * 4;
  threads.run(
    imageParts(n, 4, threads.size).map(([i0, i1]) => [
      ...copies(i0, i1),
      {
        fn: `conv1Fwd${ci.inChannels}${relu ? 'Relu' : ''}`,
        args: [pxp + i0 * image, pw, pb, po + i0 * outImage, i1 - i0, ho, wo, row, image, co * 4],
      },
    ]),
  );
  return out;
}

/** dW = Σ x-windows ⊗ dy: [3, 3, ch, co]. */
export function conv1FilterGrad(s: Scope, x: TI, dy: TI, ci: backend_util.Conv2DInfo): TI {
  const backend = s.backend;
  const { batchSize: n, outHeight: ho, outWidth: wo, outChannels: co } = ci;
  const { xp, row, image, copies } = padded(s, x, ci);
  const dw = s.make([3, 3, ci.inChannels, co]);
  heapF32(backend, dw).fill(0);
  conv1Runs.filterGrad++;
  const threads = loopThreadsFor(backend)!;
  const [pxp, pdy, pdw] = [addressOf(backend, xp), addressOf(backend, dy), addressOf(backend, dw)];
  // Every block needs every image: the copies first, split by images.
  threads.run(imageParts(n, 4, threads.size).map(([i0, i1]) => copies(i0, i1)));
  threads.run(
    splitRange(co / 4, threads.size, 1, 1).map(([c0, c1]) => [
      {
        fn: `conv1Dw${ci.inChannels}`,
        args: [pxp, pdy, pdw, n, ho, wo, row, image, co * 4, c0 * 16, c1 * 16],
      },
    ]),
  );
  return dw;
}

/** dX: [n, h, w, ch]. */
export function conv1InputGrad(s: Scope, dy: TI, filter: TI, ci: backend_util.Conv2DInfo): TI {
  const backend = s.backend;
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    outHeight: ho,
    outWidth: wo,
    outChannels: co,
    inChannels: ch,
  } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  // One 4-lane partial sum per padded pixel, channel and image; the loop zeroes each image's part.
  const sRow = (wo + 2) * ch * 16,
    sImage = (ho + 2) * sRow;
  const scratch = s.make([n, ho + 2, wo + 2, ch * 4]);
  const dx = s.make([n, h, w, ch]);
  conv1Runs.inputGrad++;
  const threads = loopThreadsFor(backend)!;
  const [pdy, pw, ps, pdx] = [
    addressOf(backend, dy),
    addressOf(backend, filter),
    addressOf(backend, scratch),
    addressOf(backend, dx),
  ];
  const dyImage = ho * wo * co * 4;
  threads.run(
    imageParts(n, 4, threads.size).map(([i0, i1]) => [
      {
        fn: `conv1Dx${ch}`,
        args: [
          pdy + i0 * dyImage,
          pw,
          ps + i0 * sImage,
          pdx + i0 * h * w * ch * 4,
          i1 - i0,
          ho,
          wo,
          sRow,
          sImage,
          co * 4,
          h,
          w,
          pt,
          pl,
        ],
      },
    ]),
  );
  return dx;
}
