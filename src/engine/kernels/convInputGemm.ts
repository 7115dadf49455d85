/**
 * Conv2DBackpropInput as one GEMM and a scatter ("col2im"): dP[m, (i,j,ci)] = Σ_co dY[m, co] ·
 * W[i,j,ci,co] for every output pixel m = (n, y, x), then each dP column is added into dX at the
 * input pixel the window position (i, j) read. Why: the convolution form (convGrads.ts) has Ci
 * output channels, and XNNPACK is slow for very few (the first layer's input gradient, Ci = 1,
 * which every PGD step needs: 28 ms as a convolution at batch 128). Here the GEMM has
 * kh·kw·Ci outputs per pixel instead.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { backend_util } from '@tensorflow/tfjs-core';
import { heapF32, Scope, TI } from './call';
import { addressOf, simdFor } from './simd';

/** Which form Conv2DBackpropInput uses; 'auto' picks per shape (benchmarks force one). */
let strategy: 'auto' | 'gemm' | 'conv' = 'auto';
export function setInputGradStrategy(s: typeof strategy): void {
  strategy = s;
}

export function useGemmInputGrad(ci: backend_util.Conv2DInfo, backend: BackendWasm): boolean {
  if (strategy === 'conv' || simdFor(backend) === null) return false;
  return strategy === 'gemm' || ci.inChannels <= 4;
}

export function inputGradGemm(s: Scope, dy: TI, filter: TI, ci: backend_util.Conv2DInfo): TI {
  const backend = s.backend;
  const fast = simdFor(backend)!;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = ci;
  const { outHeight: ho, outWidth: wo, outChannels: co } = ci;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  const k = kh * kw * c;
  // Wᵀ [Co, K] (small) is the GEMM's weight matrix: dP = dY [M, Co] · Wᵀ.
  const wT = s.transpose(s.reshape(filter, [1, k, co]), [0, 2, 1]);
  const dp = s.run(
    'BatchMatMul',
    { a: s.reshape(dy, [1, n * ho * wo, co]), b: wT },
    { transposeA: false, transposeB: false },
  );
  const dx = s.make([n, h, w, c]);
  heapF32(backend, dx).fill(0);
  const [src, dst] = [addressOf(backend, dp), addressOf(backend, dx)];
  for (let i = 0; i < kh; i++) {
    // Output rows/cols whose window position (i, j) falls inside the image.
    const ya = Math.max(0, Math.ceil((pt - i) / sh));
    const yb = Math.min(ho, Math.floor((h - 1 + pt - i) / sh) + 1);
    for (let j = 0; j < kw; j++) {
      const xa = Math.max(0, Math.ceil((pl - j) / sw));
      const xb = Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1);
      if (yb <= ya || xb <= xa) continue;
      for (let ch = 0; ch < c; ch++) {
        const from = src + ((ya * wo + xa) * k + (i * kw + j) * c + ch) * 4;
        const to = dst + (((ya * sh + i - pt) * w + xa * sw + j - pl) * c + ch) * 4;
        // planes: images; rows: output rows y; columns: output cols x (one float each).
        fast.strided3d(
          from,
          to,
          n,
          ho * wo * k * 4,
          h * w * c * 4,
          yb - ya,
          wo * k * 4,
          sh * w * c * 4,
          xb - xa,
          k * 4,
          sw * c * 4,
          1,
        );
      }
    }
  }
  return dx;
}
