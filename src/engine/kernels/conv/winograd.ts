/**
 * 3×3 stride-1 convolution as Winograd F(2×2,3×3): Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output
 * tile, 16 multiplies per tile and channel pair instead of 36. The products over input channels
 * become 16 independent GEMMs V_k [tiles, Ci] · U_k [Ci, Co], run by the stock BatchMatMul
 * (XNNPACK); the input and output transforms are our SIMD loops (simdWinograd.ts), the filter
 * transform (≤ 16·Ci·Co numbers) is JS. Used by Conv2D/FusedConv2D (conv2d.ts) and by the
 * convolution form of Conv2DBackpropInput (convGrads.ts), which passes the forward filter and
 * lets the filter transform flip it and swap its channels.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, Scope, TI } from '../wasm/call';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { outerCalls } from '../matmul/outerProducts';
import { imageParts, type Program } from '../threads/loopThreads';

/** 'auto': Winograd where eligible; 'off': never (benchmarks and tests compare both). */
let strategy: 'auto' | 'off' = 'auto';
export function setWinogradStrategy(s: typeof strategy): void {
  strategy = s;
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

/** Images per chunk when each needs `perImage` floats of scratch (at least one). */
export function chunkImages(n: number, perImage: number): number {
  const limit = maxFloats ?? CHUNK;
  return Math.max(1, Math.min(n, Math.floor(limit / perImage)));
}

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

export const ceil4 = (v: number) => Math.ceil(v / 4) * 4;

export function winogradConv(s: Scope, x: TI, p: Pads, o: WinogradOptions): TI {
  const backend = s.backend;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const co = o.filter.shape[o.backward ? 2 : 3]!;
  const [ho, wo] = [h + p.t + p.b - 2, w + p.l + p.r - 2];
  const [th, tw] = [Math.ceil(ho / 2), Math.ceil(wo / 2)];
  // Tile-aligned, zero-padded input [n, hp, wp, cp]; channels padded to whole f32x4 vectors.
  // Output channels in whole 8-float blocks: our GEMM loop's width (simdGemm.ts).
  const [hp, wp, cp, cop] = [2 * th + 2, 2 * tw + 2, ceil4(c), Math.ceil(co / 8) * 8];
  const u = filterTransform(s, o.filter, c, co, cp, cop, !!o.backward);
  const bias = s.make([cop]);
  const yp = s.make([n, 2 * th, 2 * tw, cop]);
  const bv = heapF32(backend, bias).fill(0);
  if (o.bias) bv.set(heapF32(backend, o.bias));
  const tiles = th * tw;
  const perImage = 16 * tiles * (cp + cop) + hp * wp * cp;
  const chunk = chunkImages(n, perImage);
  const threads = loopThreadsFor(backend)!;
  const at = (t: TI) => addressOf(backend, t);
  const rowBytes = 2 * tw * cop * 4;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    // A scope per chunk: its buffers are freed before the next chunk allocates its own.
    const cs = new Scope(backend);
    try {
      const xp = cs.make([nc, hp, wp, cp]);
      // Rows (tiles) in whole blocks of 4 for the GEMM loop: the extra rows' products are
      // computed from whatever the rows hold and never read.
      const rows = ceil4(nc * tiles);
      const v = Array.from({ length: 16 }, () => cs.make([rows, cp]));
      const m = Array.from({ length: 16 }, () => cs.make([rows, cop]));
      heapF32(backend, xp).fill(0);
      // Each thread: pad, transform, multiply and transform back its own images (tiles are
      // image-major, so an image range is a row range of every V_k and M_k).
      const program = ([i0, i1]: [number, number]): Program => {
        const r0 = i0 * tiles,
          r1 = i1 === nc ? rows : i1 * tiles;
        return [
          ...padInputCalls(backend, x, xp, n0 + i0, i1 - i0, p, hp, wp, cp, i0),
          {
            fn: 'winoIn',
            args: [
              at(xp) + i0 * hp * wp * cp * 4,
              ...v.map((t) => at(t) + r0 * cp * 4),
              i1 - i0,
              th,
              tw,
              wp * cp * 4,
              hp * wp * cp * 4,
              cp * 4,
            ],
          },
          // M_k = V_k · U_k, [tiles, Ci]·[Ci, Co]: our loop, a(r, i) = V_k[i, r].
          ...m.flatMap((mk, k) =>
            outerCalls(cp, {
              a: at(v[k]!) + r0 * cp * 4,
              aCols: r1 - r0,
              aStride: 4,
              aColStride: cp * 4,
              b: at(u[k]!),
              bCols: cop,
              bStride: cop * 4,
              out: at(mk) + r0 * cop * 4,
              outStride: cop * 4,
              add: false,
            }),
          ),
          {
            fn: o.relu ? 'winoOutRelu' : 'winoOut',
            args: [
              ...m.map((t) => at(t) + r0 * cop * 4),
              at(yp) + (n0 + i0) * 2 * th * rowBytes,
              at(bias),
              i1 - i0,
              th,
              tw,
              rowBytes,
              2 * th * rowBytes,
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
  if (ho === 2 * th && wo === 2 * tw && co === cop) return yp;
  return s.run('Slice', { x: yp }, { begin: [0, 0, 0, 0], size: [n, ho, wo, co] });
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

/** U_k = (G g Gᵀ)_k as 16 GEMM weight matrices [1, cp, cop], zero in the padded rows/columns. */
function filterTransform(
  s: Scope,
  filter: TI,
  c: number,
  co: number,
  cp: number,
  cop: number,
  backward: boolean,
): TI[] {
  const u = Array.from({ length: 16 }, () => s.make([1, cp, cop]));
  // Views after the last allocation (malloc may grow the memory and detach older views).
  const g = heapF32(s.backend, filter);
  const us = u.map((t) => heapF32(s.backend, t).fill(0));
  const k = new Float64Array(9),
    t = new Float64Array(12);
  for (let ci = 0; ci < c; ci++) {
    for (let q = 0; q < co; q++) {
      // Forward: g[i][j][ci][q]. Backward: the forward filter [3,3,co,c], flipped, transposed.
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++)
          k[3 * i + j] = backward
            ? g[((2 - i) * 3 + (2 - j)) * co * c + q * c + ci]!
            : g[(i * 3 + j) * c * co + ci * co + q]!;
      // t = G k (4×3), rows of G: [1,0,0], [½,½,½], [½,−½,½], [0,0,1].
      for (let j = 0; j < 3; j++) {
        const [a, b, d] = [k[j]!, k[3 + j]!, k[6 + j]!];
        t[j] = a;
        t[3 + j] = (a + b + d) / 2;
        t[6 + j] = (a - b + d) / 2;
        t[9 + j] = d;
      }
      // U = t Gᵀ (4×4).
      const at = ci * cop + q;
      for (let i = 0; i < 4; i++) {
        const [a, b, d] = [t[3 * i]!, t[3 * i + 1]!, t[3 * i + 2]!];
        us[4 * i]![at] = a;
        us[4 * i + 1]![at] = (a + b + d) / 2;
        us[4 * i + 2]![at] = (a - b + d) / 2;
        us[4 * i + 3]![at] = d;
      }
    }
  }
  return u;
}
