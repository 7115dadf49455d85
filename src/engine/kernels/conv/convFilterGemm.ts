/**
 * Conv2DBackpropFilter as one GEMM: dW[(i,j,ci), co] = Σ_m P[(i,j,ci), m] · dY[m, co], where m
 * runs over (n, y, x) and P ("im2col, transposed") holds X[n, y·s+i−pt, x·s+j−pl, ci]. P has
 * kh·kw·Ci rows of M (9× the input for a 3×3 kernel) and is built by our SIMD copy loop. The
 * product is our outerAcc loop (outerProducts.ts) when Co is a multiple of 8: it reads P and dY
 * where they lie. The stock GEMM (the fallback) re-packs dY, its right operand, on every call,
 * and training brings a fresh dY to every call. 3×3 stride-1 kernels with ≥ 8 input channels take
 * Winograd instead (winogradFilterGrad.ts); the convolution form (convGrads.ts) remains the
 * fallback when our SIMD module is unavailable.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { backend_util } from '@tensorflow/tfjs-core';
import { heapF32, Scope, TI } from '../wasm/call';
import { imageParts, splitRange, type Program } from '../threads/loopThreads';
import { outerCalls } from '../matmul/outerProducts';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { zeroFill } from '../wasm/zeroFill';

/** Which form Conv2DBackpropFilter uses; 'auto' picks per shape (benchmarks force one). */
let strategy: 'auto' | 'gemm' | 'conv' = 'auto';
export function setFilterGradStrategy(s: typeof strategy): void {
  strategy = s;
}
/** The form asked for: anything but 'auto' also keeps conv1.ts's loops out (convGrads.ts). */
export function filterGradStrategy(): typeof strategy {
  return strategy;
}

export function useGemmFilterGrad(backend: BackendWasm): boolean {
  return strategy !== 'conv' && simdFor(backend) !== null;
}

/** Upper bound on P's size in floats (64 MiB): larger batches are done in chunks of images. */
let maxP = 16 * 1024 * 1024;
/** For tests: a smaller chunk limit (floats), or the default. */
export function setFilterGradChunk(floats = 16 * 1024 * 1024): void {
  maxP = floats;
}

export function filterGradGemm(s: Scope, x: TI, dy: TI, ci: backend_util.Conv2DInfo): TI {
  const backend = s.backend;
  const {
    batchSize: n,
    inChannels: c,
    outHeight: ho,
    outWidth: wo,
    outChannels: co,
    filterHeight: kh,
    filterWidth: kw,
  } = ci;
  const k = kh * kw * c;
  const perImage = ho * wo;
  const chunk = Math.max(1, Math.min(n, Math.floor(maxP / (k * perImage))));
  // Our outerAcc loop (simdGemm.ts) when dW's columns come in blocks of 8: it reads P and dY
  // in place, where the stock GEMM re-packs dY (its right operand) on every call.
  const own = co % 8 === 0;
  const kp = own ? Math.ceil(k / 4) * 4 : k;
  // With whole vectors of channels (and our loop) P is built pixel by pixel from x as it lies
  // (buildPixelRows); else from [Ci, N, H, W], where each (ci, n) plane is a plain image and
  // P's rows are strided copies of it, one float at a time.
  const byPixel = own && c % 4 === 0;
  const planes = byPixel || c === 1 ? x : s.transpose(x, [3, 0, 1, 2]);
  let total: TI | undefined;
  if (own) {
    total = s.make([kp, co]);
    zeroFill(backend, total);
  }
  const threads = loopThreadsFor(backend)!;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const { p, copies } = (byPixel ? buildPixelRows : buildP)(s, planes, ci, n0, nc, kp);
    // Phase 1: each thread copies its images' columns of P.
    threads.run(imageParts(nc, 1, threads.size).map(([i0, i1]) => copies(i0, i1)));
    if (own) {
      // Phase 2: each thread its own blocks of 8 columns of dW (the sum over M in one order).
      const a = addressOf(backend, p),
        m = nc * perImage;
      const b = addressOf(backend, dy) + n0 * perImage * co * 4;
      const out = addressOf(backend, total!);
      threads.run(
        splitRange(co / 8, threads.size, 1, 1).map(([j0, j1]) =>
          outerCalls(m, {
            a,
            aCols: kp,
            // P[(i,j,ci), m], or P[m, (i,j,ci)] by pixel.
            aStride: byPixel ? kp * 4 : 4,
            aColStride: byPixel ? 4 : m * 4,
            b: b + j0 * 32,
            bCols: (j1 - j0) * 8,
            bStride: co * 4,
            out: out + j0 * 32,
            outStride: co * 4,
          }),
        ),
      );
      continue;
    }
    let g = dy;
    if (nc < n) {
      // This chunk's rows of dY (contiguous), as a tensor of its own for the GEMM.
      g = s.make([nc * perImage, co]);
      heapF32(backend, g).set(
        heapF32(backend, dy).subarray(n0 * perImage * co, (n0 + nc) * perImage * co),
      );
    }
    const part = s.run(
      'BatchMatMul',
      { a: p, b: s.reshape(g, [1, nc * perImage, co]) },
      { transposeA: false, transposeB: false },
    );
    if (!total) total = part;
    else {
      const t = heapF32(backend, total),
        q = heapF32(backend, part);
      for (let i = 0; i < t.length; i++) t[i] = t[i]! + q[i]!;
    }
  }
  if (kp > k) total = s.run('Slice', { x: total! }, { begin: [0, 0], size: [k, co] });
  return s.reshape(total!, [kh, kw, c, co]);
}

/** P for images n0..n0+nc: [1, rows, nc·Ho·Wo] with rows ≥ kh·kw·Ci, zero where the window reads
 * padding and in the rows past kh·kw·Ci. The zeros are written here; the copies are returned as
 * a program per range of the chunk's images (loopThreads.ts), each writing its own columns. */
function buildP(
  s: Scope,
  planes: TI,
  ci: backend_util.Conv2DInfo,
  n0: number,
  nc: number,
  rows: number,
): { p: TI; copies: (i0: number, i1: number) => Program } {
  const backend = s.backend;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = ci;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  const m = nc * ho * wo;
  const p = s.make([1, rows, m]);
  const [src, dst] = [addressOf(backend, planes), addressOf(backend, p)];
  let padded = rows > kh * kw * c;
  const blocks: { from: number; to: number; ya: number; yb: number; xa: number; xb: number }[] = [];
  for (let i = 0; i < kh; i++) {
    // Output rows/cols whose input pixel is inside the image (the rest stays zero: padding).
    const ya = Math.max(0, Math.ceil((pt - i) / sh)),
      yb = Math.min(ho, Math.floor((h - 1 + pt - i) / sh) + 1);
    for (let j = 0; j < kw; j++) {
      const xa = Math.max(0, Math.ceil((pl - j) / sw)),
        xb = Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1);
      const block = (i * kw + j) * c * m;
      if (ya > 0 || yb < ho || xa > 0 || xb < wo) padded = true;
      if (yb <= ya || xb <= xa) continue;
      // Planes q = (ci, n) for n in the chunk: the source skips the other images' planes.
      blocks.push({
        from: src + ((n0 * h + ya * sh + i - pt) * w + (xa * sw + j - pl)) * 4,
        to: dst + (block + ya * wo + xa) * 4,
        ya,
        yb,
        xa,
        xb,
      });
    }
  }
  // Zeroed by our threads' zero loop: TypedArray.fill on the shared heap is slow (zeroFill.ts).
  if (padded) zeroFill(backend, p);
  const copies = (i0: number, i1: number): Program =>
    blocks.flatMap(({ from, to, ya, yb, xa, xb }) =>
      Array.from({ length: c }, (_, ch) => ({
        fn: 'strided3d',
        args: [
          from + (ch * n * h * w + i0 * h * w) * 4,
          to + (ch * m + i0 * ho * wo) * 4,
          i1 - i0,
          h * w * 4,
          ho * wo * 4,
          yb - ya,
          sh * w * 4,
          wo * 4,
          xb - xa,
          sw * 4,
          4,
          0,
        ],
      })),
    );
  return { p, copies };
}

/**
 * P by pixel for images n0..n0+nc: [M, cols] with M = nc·Ho·Wo rows, row m holding the window
 * of output pixel m, X[n, y·s+i−pt, x·s+j−pl, 0..Ci) for each (i, j) in turn, then zeros up to
 * `cols` (≥ kh·kw·Ci) and where the window reads padding. Every copy moves a pixel's Ci channels
 * (a multiple of 4) as vectors; the copies are returned as a program per range of the chunk's
 * images, each writing its own rows.
 */
function buildPixelRows(
  s: Scope,
  x: TI,
  ci: backend_util.Conv2DInfo,
  n0: number,
  nc: number,
  cols: number,
): { p: TI; copies: (i0: number, i1: number) => Program } {
  const backend = s.backend;
  const { inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = ci;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  const perImage = ho * wo;
  const p = s.make([nc * perImage, cols]);
  const [src, dst] = [addressOf(backend, x) + n0 * h * w * c * 4, addressOf(backend, p)];
  const blocks: { from: number; to: number; rows: number; cols: number }[] = [];
  let padded = cols > kh * kw * c;
  for (let i = 0; i < kh; i++) {
    // Output rows/cols whose input pixel is inside the image (the rest stays zero: padding).
    const ya = Math.max(0, Math.ceil((pt - i) / sh)),
      yb = Math.min(ho, Math.floor((h - 1 + pt - i) / sh) + 1);
    for (let j = 0; j < kw; j++) {
      const xa = Math.max(0, Math.ceil((pl - j) / sw)),
        xb = Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1);
      if (ya > 0 || yb < ho || xa > 0 || xb < wo) padded = true;
      if (yb <= ya || xb <= xa) continue;
      blocks.push({
        from: src + ((ya * sh + i - pt) * w + (xa * sw + j - pl)) * c * 4,
        to: dst + ((ya * wo + xa) * cols + (i * kw + j) * c) * 4,
        rows: yb - ya,
        cols: xb - xa,
      });
    }
  }
  if (padded) zeroFill(backend, p);
  const copies = (i0: number, i1: number): Program =>
    blocks.map(({ from, to, rows, cols: xs }) => ({
      fn: 'strided4d',
      args: [
        from + i0 * h * w * c * 4,
        to + i0 * perImage * cols * 4,
        i1 - i0,
        h * w * c * 4,
        perImage * cols * 4,
        rows,
        sh * w * c * 4,
        wo * cols * 4,
        xs,
        sw * c * 4,
        cols * 4,
        c * 4,
        0,
      ],
    }));
  return { p, copies };
}
