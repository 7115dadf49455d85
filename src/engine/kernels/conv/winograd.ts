/**
 * 3×3 stride-1 convolution as Winograd F(m×m,3×3) (winogradTiles.ts: m = 2 or 4, α = m + 2):
 * Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per m×m output tile, α² multiplies per tile and channel pair
 * instead of 9·m². The products over input channels become α² independent GEMMs
 * V_k [tiles, Ci] · U_k [Ci, Co], run by our outerAcc loop (simdGemm.ts); the input, output and
 * filter transforms are our SIMD loops (simdWinograd.ts; the filter's in JS for channel counts
 * that are not multiples of 4). Used by Conv2D/FusedConv2D (conv2d.ts) and by the convolution form of
 * Conv2DBackpropInput (convGrads.ts), which passes the forward filter and lets the filter
 * transform flip it and swap its channels.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, Scope, TI } from '../wasm/call';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { outerCalls } from '../matmul/outerProducts';
import {
  imageParts,
  imagesPerBlock,
  PARALLEL_MIN,
  splitRange,
  type Program,
} from '../threads/loopThreads';
import { chooseTile, F2, F4, twoSided, type WinogradTile } from './winogradTiles';
import { zeroCall } from '../wasm/zeroFill';

/** 'auto': Winograd where eligible; 'off': never (benchmarks and tests compare both). */
let strategy: 'auto' | 'off' = 'auto';
export function setWinogradStrategy(s: typeof strategy): void {
  strategy = s;
}

/** The tile to use for an output of ho×wo: chosen (winogradTiles.ts), or forced by tests and
 * benchmarks. */
let forcedTile: 2 | 4 | undefined;
export function setWinogradTile(m?: 2 | 4): void {
  forcedTile = m;
}
function tileFor(ho: number, wo: number, pass: 'forward' | 'filter'): WinogradTile {
  return forcedTile === 4 ? F4 : forcedTile === 2 ? F2 : chooseTile(ho, wo, pass);
}

/** Upper bound on a chunk's buffers (padded input, V, M) in floats: 8 MiB, which keeps them in
 * cache between the transforms and the products (measured against 1 and 64 MiB, one thread and
 * two: CHANGELOG.md, 0.1.0). */
const CHUNK = 2 * 1024 * 1024;
let maxFloats: number | undefined;
/** For tests and benchmarks: another chunk limit (floats), or the default. */
export function setWinogradChunk(floats?: number): void {
  maxFloats = floats;
}

/**
 * Images per chunk when each needs `perImage` floats of scratch: as many as the limit allows,
 * rounded down to a multiple of `unit` (at least one unit). The threads split a chunk by image
 * ranges that start on whole 4-row blocks of the GEMM (imageParts in loopThreads.ts), so a chunk
 * of threads × (images per 4-row block) images splits evenly: 14 images of 49 tiles went 8 + 6.
 */
export function chunkImages(n: number, perImage: number, unit = 1): number {
  const limit = Math.max(1, Math.floor((maxFloats ?? CHUNK) / perImage));
  return Math.min(n, Math.max(unit, limit - (limit % unit)));
}

/** The chunk unit for `tiles` tiles an image: threads × the images in a whole 4-row block. */
export const chunkUnit = (tiles: number, threads: number): number =>
  threads * imagesPerBlock(tiles);

export interface Pads {
  t: number;
  b: number;
  l: number;
  r: number;
}

/** Whether a 3×3 stride-1 dilation-1 NHWC float32 convolution of x with these pads runs here.
 * Not below 8 input channels: the GEMMs get too thin to pay for the transforms (the gain
 * shrinks with the channel count). */
export function useWinograd(backend: BackendWasm, x: TI, kh: number, kw: number, p: Pads): boolean {
  return (
    strategy === 'auto' &&
    kh === 3 &&
    kw === 3 &&
    x.dtype === 'float32' &&
    x.shape[3]! >= 8 &&
    Math.min(p.t, p.b, p.l, p.r) >= 0 &&
    x.shape[1]! + p.t + p.b >= 3 &&
    x.shape[2]! + p.l + p.r >= 3 &&
    simdFor(backend) !== null
  );
}

export interface WinogradOptions {
  /** Filter [3,3,Ci,Co]; with `backward`, the forward filter [3,3,Co,Ci] of an input gradient:
   * it is flipped in space and its channels swapped. */
  filter: TI;
  backward?: boolean;
  bias?: TI;
  relu?: boolean;
}

const ceil4 = (v: number) => Math.ceil(v / 4) * 4;

export function winogradConv(s: Scope, x: TI, p: Pads, o: WinogradOptions): TI {
  const backend = s.backend;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const co = o.filter.shape[o.backward ? 2 : 3]!;
  const [ho, wo] = [h + p.t + p.b - 2, w + p.l + p.r - 2];
  const geometry = geometryOf(ho, wo, c, co, 'forward');
  const { tile, m, kk, th, tw, hp, wp, cp, cop } = geometry;
  const u = filterTransform(s, tile, o.filter, c, co, cp, cop, !!o.backward);
  const bias = s.make([cop]);
  const yp = s.make([n, m * th, m * tw, cop]);
  const bv = heapF32(backend, bias).fill(0);
  if (o.bias) bv.set(heapF32(backend, o.bias));
  const tiles = th * tw;
  const perImage = kk * tiles * (cp + cop) + hp * wp * cp;
  const threads = loopThreadsFor(backend)!;
  const chunk = chunkImages(n, perImage, chunkUnit(tiles, threads.size));
  const at = (t: TI) => addressOf(backend, t);
  const rowBytes = m * tw * cop * 4;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    // A scope per chunk: its buffers are freed before the next chunk allocates its own.
    const cs = new Scope(backend);
    try {
      const xp = cs.make([nc, hp, wp, cp]);
      // Rows (tiles) in whole blocks of 4 for the GEMM loop: the extra rows' products are
      // computed from whatever the rows hold and never read.
      const rows = ceil4(nc * tiles);
      // V_k [rows, cp] and M_k [rows, cop], k < α²: entry (row, k) at row·vT + k·vK bytes.
      const { buf: v, k: vK, row: vT } = transformed(cs, kk, rows, cp);
      const { buf: mm, k: mK, row: mT } = transformed(cs, kk, rows, cop);
      // Each thread: zero, pad, transform, multiply and transform back its own images (tiles are
      // image-major, so an image range is a row range of every V_k and M_k).
      const program = ([i0, i1]: [number, number]): Program => {
        const r0 = i0 * tiles,
          r1 = i1 === nc ? rows : i1 * tiles;
        return [
          ...inputCalls(backend, x, xp, { at: at(v), k: vK, row: vT }, n0, [i0, i1], p, geometry),
          // M_k = V_k · U_k, [tiles, Ci]·[Ci, Co]: our loop, a(r, i) = V_k[i, r].
          ...Array.from({ length: kk }, (_, k) =>
            outerCalls(cp, {
              a: at(v) + k * vK + r0 * vT,
              aCols: r1 - r0,
              aStride: 4,
              aColStride: vT,
              b: u.at + k * u.k,
              bCols: cop,
              bStride: cop * 4,
              out: at(mm) + k * mK + r0 * mT,
              outStride: mT,
              add: false,
            }),
          ).flat(),
          {
            fn: `winoOut${m}${o.relu ? 'Relu' : ''}`,
            args: [
              at(mm) + r0 * mT,
              mK,
              mT,
              at(yp) + (n0 + i0) * m * th * rowBytes,
              at(bias),
              i1 - i0,
              th,
              tw,
              rowBytes,
              m * th * rowBytes,
              cop * 4,
            ],
          },
        ];
      };
      threads.run(imageParts(nc, tiles, threads.size).map(program));
    } finally {
      cs.dispose();
    }
  }
  if (ho === m * th && wo === m * tw && co === cop) return yp;
  if (co !== cop) return s.run('Slice', { x: yp }, { begin: [0, 0, 0, 0], size: [n, ho, wo, co] });
  return cropped(s, yp, [n, ho, wo, co], m * th * rowBytes, rowBytes);
}

/**
 * The first ho×wo pixels of each image of y (whole tiles, images `imageBytes` and rows `rowBytes`
 * apart) as [n, ho, wo, co], by our strided copy split over our threads (tfjs's Slice runs on
 * one thread, a large part of a small convolution such as 7×7 by 4×4 tiles).
 */
function cropped(
  s: Scope,
  y: TI,
  shape: [number, number, number, number],
  imageBytes: number,
  rowBytes: number,
): TI {
  const [n, ho, wo, co] = shape;
  const out = s.make(shape);
  const [src, dst] = [addressOf(s.backend, y), addressOf(s.backend, out)];
  const image = ho * wo * co * 4;
  const threads = loopThreadsFor(s.backend)!;
  threads.run(
    splitRange(n, threads.size, 1, Math.ceil(PARALLEL_MIN / (ho * wo * co))).map(([i0, i1]) => [
      {
        fn: 'strided3d',
        args: [
          src + i0 * imageBytes,
          dst + i0 * image,
          i1 - i0,
          imageBytes,
          image,
          ho,
          rowBytes,
          wo * co * 4,
          wo * co,
          4,
          4,
          0,
        ],
      },
    ]),
  );
  return out;
}

/**
 * α² matrices [rows, c] in one buffer: entry (row, k) at row·`row` + k·`k` bytes. The α²
 * matrices one after the other ([α², tiles, C]): interleaving them ([tiles, α², C]) measured no
 * layout best everywhere (CHANGELOG.md). Each matrix takes an odd number of 64-byte lines, so the
 * α² streams a transform reads or writes at once fall in different cache sets: rows·c·4 a
 * multiple of 4096 put all of them in one set (the 14×14 input gradient's chunks of 16 images ×
 * 49 tiles × 64 channels), where its input transform ran several times slower (CHANGELOG.md).
 */
export function transformed(
  s: Scope,
  kk: number,
  rows: number,
  c: number,
): { buf: TI; k: number; row: number } {
  const lines = Math.ceil((rows * c * 4) / 64);
  const k = 64 * (lines % 2 === 0 ? lines + 1 : lines);
  return { buf: s.make([(kk * k) / 4]), k, row: c * 4 };
}

/**
 * A Winograd call's tile, its α² matrices, the tiles over the output (th × tw) and the padded
 * input [n, hp, wp, cp]: tile-aligned, zero-padded, channels in whole f32x4 vectors; output
 * channels cop in whole 8-float blocks, our GEMM loop's width (simdGemm.ts).
 */
export interface Geometry {
  tile: WinogradTile;
  m: number;
  kk: number;
  th: number;
  tw: number;
  hp: number;
  wp: number;
  cp: number;
  cop: number;
}

export function geometryOf(
  ho: number,
  wo: number,
  c: number,
  co: number,
  pass: 'forward' | 'filter',
): Geometry {
  const tile = tileFor(ho, wo, pass);
  const m = tile.m;
  const [th, tw] = [Math.ceil(ho / m), Math.ceil(wo / m)];
  return {
    tile,
    m,
    kk: tile.alpha ** 2,
    th,
    tw,
    hp: m * th + 2,
    wp: m * tw + 2,
    cp: ceil4(c),
    cop: Math.ceil(co / 8) * 8,
  };
}

/**
 * The program for images i0..i1 of a chunk: zero their part of the padded input xp, copy images
 * n0 + i0… of x into it, and transform their tiles into V's rows from i0·tiles on (winoIn),
 * V's entries at row·v.row + k·v.k bytes. Shared by the forward pass and the filter gradient.
 */
export function inputCalls(
  backend: BackendWasm,
  x: TI,
  xp: TI,
  v: { at: number; k: number; row: number },
  n0: number,
  [i0, i1]: [number, number],
  p: Pads,
  g: Geometry,
): Program {
  const image = g.hp * g.wp * g.cp * 4;
  const xpAt = addressOf(backend, xp) + i0 * image;
  return [
    zeroCall(xpAt, (i1 - i0) * image),
    ...padInputCalls(backend, x, xp, n0 + i0, i1 - i0, p, g.hp, g.wp, g.cp, i0),
    {
      fn: `winoIn${g.m}`,
      args: [
        xpAt,
        v.at + i0 * g.th * g.tw * v.row,
        v.k,
        v.row,
        i1 - i0,
        g.th,
        g.tw,
        g.wp * g.cp * 4,
        image,
        g.cp * 4,
      ],
    },
  ];
}

/** Copies images n0..n0+nc of x into the zeroed xp's images from `at` on, at row p.t, column
 * p.l, as a program of strided copies (loopThreads.ts). */
export function padInputCalls(
  backend: BackendWasm,
  x: TI,
  xp: TI,
  n0: number,
  nc: number,
  p: Pads,
  hp: number,
  wp: number,
  cp: number,
  at: number,
): Program {
  const [, h, w, c] = x.shape as [number, number, number, number];
  const src = addressOf(backend, x) + n0 * h * w * c * 4;
  const dst = addressOf(backend, xp) + at * hp * wp * cp * 4 + (p.t * wp + p.l) * cp * 4;
  // Whole image rows are contiguous on both sides when there is no channel padding.
  if (c === cp)
    return [
      {
        fn: 'strided3d',
        args: [
          src,
          dst,
          nc,
          h * w * c * 4,
          hp * wp * cp * 4,
          h,
          w * c * 4,
          wp * cp * 4,
          w * c,
          4,
          4,
          0,
        ],
      },
    ];
  // Otherwise per image: planes are image rows, rows are pixels (c floats each, cp apart in xp).
  return Array.from({ length: nc }, (_, i) => ({
    fn: 'strided3d',
    args: [
      src + i * h * w * c * 4,
      dst + i * hp * wp * cp * 4,
      h,
      w * c * 4,
      wp * cp * 4,
      w,
      c * 4,
      cp * 4,
      c,
      4,
      4,
      0,
    ],
  }));
}

/** Whether the filter transforms' wasm loops (winoFilter, winoFilterGrad) take c → co channels:
 * planes of whole f32x4 vectors, and transpose4's 4×4 blocks for the backward taps. */
export const planeLoopsFit = (c: number, co: number): boolean => c % 4 === 0 && co % 4 === 0;

/**
 * U_k = (G g Gᵀ)_k as α² GEMM weight matrices [cp, cop], matrix k at `k` bytes from `at`, zero
 * in the padded rows/columns. With channel counts that are multiples of 4 (every zoo model past
 * its first layer) our winoFilter loop computes them on this thread in f32, after transposing the
 * backward pass's taps with transpose4; otherwise the same products in float64 in JS.
 */
function filterTransform(
  s: Scope,
  tile: WinogradTile,
  filter: TI,
  c: number,
  co: number,
  cp: number,
  cop: number,
  backward: boolean,
): { at: number; k: number } {
  const kk = tile.alpha ** 2;
  const u = s.make([kk, cp, cop]);
  const k = cp * cop * 4;
  if (planeLoopsFit(c, co)) {
    const backend = s.backend;
    const plane = c * co * 4;
    const calls: Program = [];
    // Backward: the forward filter [3,3,co,c], flipped in space (tap k from tap 8 − k), channels
    // swapped into [c, co] planes.
    const taps = backward ? addressOf(backend, s.make([9, c, co])) : addressOf(backend, filter);
    if (backward)
      for (let t = 0; t < 9; t++)
        calls.push({
          fn: 'transpose4',
          args: [
            addressOf(backend, filter) + (8 - t) * plane,
            taps + t * plane,
            co,
            c,
            c * 4,
            co * 4,
          ],
        });
    if (cp !== c || cop !== co) calls.push(zeroCall(addressOf(backend, u), kk * k));
    calls.push({
      fn: `winoFilter${tile.m}`,
      args: [taps, plane, addressOf(backend, u), k, c, co * 4, co * 4, cop * 4],
    });
    loopThreadsFor(backend)!.run([calls]);
    return { at: addressOf(backend, u), k };
  }
  // Views after the last allocation (malloc may grow the memory and detach older views).
  const g = heapF32(s.backend, filter);
  const us = heapF32(s.backend, u).fill(0);
  // The 9 taps as planes over the channel pairs (ci·co + q). Forward: g[i][j][ci][q], a plane
  // as it lies. Backward: the forward filter [3,3,co,c], flipped in space, channels swapped.
  const taps = Array.from({ length: 9 }, (_, t) => {
    if (!backward) return g.subarray(t * c * co, (t + 1) * c * co);
    const src = g.subarray((8 - t) * c * co, (9 - t) * c * co);
    const plane = new Float32Array(c * co);
    for (let ci = 0; ci < c; ci++)
      for (let q = 0; q < co; q++) plane[ci * co + q] = src[q * c + ci]!;
    return plane;
  });
  twoSided(tile.g, taps, c * co).forEach((plane, t) => {
    for (let ci = 0; ci < c; ci++)
      us.set(plane.subarray(ci * co, (ci + 1) * co), (t * cp + ci) * cop);
  });
  return { at: addressOf(s.backend, u), k };
}
