/**
 * Conv2DBackpropInput as one GEMM and a scatter ("col2im"): dP[m, (i,j,ci)] = Σ_co dY[m, co] ·
 * W[i,j,ci,co] for every output pixel m = (n, y, x), then each dP column is added into dX at the
 * input pixel the window position (i, j) read. Why: the convolution form (convGrads.ts) has Ci
 * output channels, and XNNPACK is slow for very few (the first layer's input gradient, Ci = 1,
 * which every PGD step needs), and strided convolutions, whose convolution form multiplies
 * mostly zeros (useGemmInputGrad). Here the GEMM has
 * kh·kw·Ci outputs per pixel instead. The GEMM is our loop (simdGemm.ts) where the pixel count
 * allows; both it and the scatter split the images across our loop threads. The scatter moves
 * a pixel's Ci channels as vectors (strided4d) where Ci is a multiple of 4, or padded to one
 * (3 channels: RGB input) where that costs little.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { backend_util } from '@tensorflow/tfjs-core';
import { heapF32, Scope, TI } from '../wasm/call';
import { imageParts, type Program } from '../threads/loopThreads';
import { outerCalls } from '../matmul/outerProducts';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { zeroFill } from '../wasm/zeroFill';

/** Which form Conv2DBackpropInput uses; 'auto' picks per shape (benchmarks force one). */
let strategy: 'auto' | 'gemm' | 'conv' = 'auto';
export function setInputGradStrategy(s: typeof strategy): void {
  strategy = s;
}
/** The form asked for: anything but 'auto' also keeps conv1.ts's loops out (convGrads.ts). */
export function inputGradStrategy(): typeof strategy {
  return strategy;
}

/**
 * Few input channels (the convolution form has that few outputs), or a stride: the convolution
 * form runs over dY dilated by the stride, (s² − 1)/s² of it zeros, while the GEMM does only
 * the real products (the ResNet's stride-2 3×3 and 1×1 convolutions; CHANGELOG.md).
 */
export function useGemmInputGrad(ci: backend_util.Conv2DInfo, backend: BackendWasm): boolean {
  if (strategy === 'conv' || simdFor(backend) === null) return false;
  const strided = ci.strideHeight > 1 || ci.strideWidth > 1;
  return strategy === 'gemm' || ci.inChannels <= 4 || strided;
}

export function inputGradGemm(s: Scope, dy: TI, filter: TI, ci: backend_util.Conv2DInfo): TI {
  const backend = s.backend;
  const threads = loopThreadsFor(backend)!;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = ci;
  const { outHeight: ho, outWidth: wo, outChannels: co } = ci;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  const k = kh * kw * c;
  const perImage = ho * wo;
  // Our GEMM loop needs whole blocks of 4 rows (M = n·Ho·Wo) and 8 columns (K, padded: the
  // padding columns of Wᵀ are zero and never read back); the stock GEMM takes the rest.
  const own = (n * perImage) % 4 === 0;
  // Channels as dP lays them out and the scatter adds them: padded to a whole vector (zero
  // columns of Wᵀ) where that costs the GEMM at most a third more (3 input channels: RGB
  // images' first layer), so that the scatter moves vectors; dX then takes the first c of each
  // pixel's cs sums.
  const cs = own && c % 4 !== 0 && 4 * c >= 3 * Math.ceil(c / 4) * 4 ? Math.ceil(c / 4) * 4 : c;
  const kp = own ? Math.ceil((kh * kw * cs) / 8) * 8 : k;
  let wT: TI;
  let dp: TI | undefined;
  if (own) {
    // Wᵀ [Co, (kh, kw, cs)] zero-padded to [Co, kp], from the filter [kh, kw, Ci, Co].
    wT = s.make([co, kp]);
    const [wt, f] = [heapF32(backend, wT).fill(0), heapF32(backend, filter)];
    for (let ij = 0; ij < kh * kw; ij++)
      for (let q = 0; q < c; q++)
        for (let o = 0; o < co; o++) wt[o * kp + ij * cs + q] = f[(ij * c + q) * co + o]!;
    dp = s.make([n * perImage, kp]);
  } else {
    wT = s.transpose(s.reshape(filter, [1, k, co]), [0, 2, 1]);
    dp = s.run(
      'BatchMatMul',
      { a: s.reshape(dy, [1, n * perImage, co]), b: wT },
      { transposeA: false, transposeB: false },
    );
  }
  const dx = s.make([n, h, w, c]);
  const sums = cs === c ? dx : s.make([n, h, w, cs]);
  zeroFill(backend, sums);
  const [src, dst, pdy, pw, px] = [
    addressOf(backend, dp),
    addressOf(backend, sums),
    addressOf(backend, dy),
    addressOf(backend, wT),
    addressOf(backend, dx),
  ];
  // Per thread, its images: dP = dY · Wᵀ for their rows (ours), then col2im, adding each window
  // position (i, j) in turn, so every dx element gets its sums in the same order on any split.
  const program = ([n0, n1]: [number, number]): Program => {
    const calls: Program = own
      ? outerCalls(co, {
          a: pdy + n0 * perImage * co * 4,
          aCols: (n1 - n0) * perImage,
          aStride: 4,
          aColStride: co * 4,
          b: pw,
          bCols: kp,
          bStride: kp * 4,
          out: src + n0 * perImage * kp * 4,
          outStride: kp * 4,
          add: false,
        })
      : [];
    for (let i = 0; i < kh; i++) {
      // Output rows/cols whose window position (i, j) falls inside the image.
      const ya = Math.max(0, Math.ceil((pt - i) / sh));
      const yb = Math.min(ho, Math.floor((h - 1 + pt - i) / sh) + 1);
      for (let j = 0; j < kw; j++) {
        const xa = Math.max(0, Math.ceil((pl - j) / sw));
        const xb = Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1);
        if (yb <= ya || xb <= xa) continue;
        const from = src + ((n0 * perImage + ya * wo + xa) * kp + (i * kw + j) * cs) * 4;
        const to = dst + (n0 * h * w + (ya * sh + i - pt) * w + xa * sw + j - pl) * cs * 4;
        // planes: images; rows: output rows y; columns: output cols x. With whole vectors of
        // channels, a column is the pixel's c channels (contiguous on both sides); else one
        // channel at a time, a column one float.
        const geometry = (ch: number) => [
          from + ch * 4,
          to + ch * 4,
          n1 - n0,
          perImage * kp * 4,
          h * w * cs * 4,
          yb - ya,
          wo * kp * 4,
          sh * w * cs * 4,
          xb - xa,
          kp * 4,
          sw * cs * 4,
        ];
        if (cs % 4 === 0) calls.push({ fn: 'strided4d', args: [...geometry(0), cs * 4, 1] });
        else
          for (let ch = 0; ch < c; ch++)
            calls.push({ fn: 'strided3d', args: [...geometry(ch), 1] });
      }
    }
    if (cs !== c) {
      // The images' pixels, their first c sums each (rows: pixels; a row's c floats).
      const pixels = (n1 - n0) * h * w;
      const args = [dst + n0 * h * w * cs * 4, px + n0 * h * w * c * 4, 1, 0, 0, pixels];
      calls.push({ fn: 'strided3d', args: [...args, cs * 4, c * 4, c, 4, 4, 0] });
    }
    return calls;
  };
  threads.run(imageParts(n, perImage, threads.size).map(program));
  return dx;
}
