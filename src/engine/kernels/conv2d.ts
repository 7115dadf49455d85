/**
 * Conv2D (forward) for the wasm backend when the input has very few channels (the first layer
 * on grey or RGB images): im2col then one GEMM. XNNPACK's convolution reaches only a fifth of its
 * usual speed with a 9-long reduction (3×3×1): 13–18 ms for the cnn's first layer at batch 128.
 * Here P[m, (i,j,ci)] = X[n, y·s+i−pt, x·s+j−pl, ci] (zero in the padding) is built by our
 * strided copy loop and multiplied by the filter, which stays the GEMM's weight matrix as it is
 * (so XNNPACK caches its packing per filter tensor). Everything else goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, TI, withScope } from './call';
import { addressOf, simdFor } from './simd';

/** 'auto' uses the GEMM form for ≤ 4 input channels; benchmarks can force either. */
let strategy: 'auto' | 'gemm' | 'stock' = 'auto';
export function setConv2dStrategy(s: typeof strategy): void {
  strategy = s;
}

export function conv2d(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { x, filter } = args.inputs as { x: TI; filter: TI };
  const attrs = args.attrs as unknown as tf.Conv2DAttrs;
  const backend = args.backend as BackendWasm;
  const fast = simdFor(backend);
  const ci = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const plain =
    ci.dilationHeight === 1 && ci.dilationWidth === 1 && ci.dataFormat === 'channelsLast';
  const small = strategy === 'gemm' || (strategy === 'auto' && ci.inChannels <= 4);
  if (!fast || !plain || !small || x.dtype !== 'float32') {
    // The stock kernel hands 'same' to XNNPACK as TensorFlow SAME padding, which disagrees with
    // tfjs when the window overhangs the input by more than the stride allows (e.g. 1×2 filter,
    // stride 2, width 1); the pads tfjs itself computed, passed explicitly, do not.
    const { top, bottom, left, right } = ci.padInfo;
    const pad =
      ci.dataFormat === 'channelsLast'
        ? [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ]
        : attrs.pad;
    return withScope(backend, (s) => s.run('Conv2D', { x, filter }, { ...attrs, pad }));
  }
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = ci;
  const { outHeight: ho, outWidth: wo, outChannels: co } = ci;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const { top: pt, left: pl } = ci.padInfo;
  const k = kh * kw * c;
  return withScope(backend, (s) => {
    const p = s.make([1, n * ho * wo, k]);
    heapF32(backend, p).fill(0);
    const [src, dst] = [addressOf(backend, x), addressOf(backend, p)];
    for (let i = 0; i < kh; i++) {
      // Output rows/cols whose window position (i, j) reads inside the image.
      const ya = Math.max(0, Math.ceil((pt - i) / sh));
      const yb = Math.min(ho, Math.floor((h - 1 + pt - i) / sh) + 1);
      for (let j = 0; j < kw; j++) {
        const xa = Math.max(0, Math.ceil((pl - j) / sw));
        const xb = Math.min(wo, Math.floor((w - 1 + pl - j) / sw) + 1);
        if (yb <= ya || xb <= xa) continue;
        for (let ch = 0; ch < c; ch++) {
          const from = src + (((ya * sh + i - pt) * w + xa * sw + j - pl) * c + ch) * 4;
          const to = dst + ((ya * wo + xa) * k + (i * kw + j) * c + ch) * 4;
          // planes: images; rows: output rows y; columns: output cols x (one float each).
          fast.strided3d(
            from,
            to,
            n,
            h * w * c * 4,
            ho * wo * k * 4,
            yb - ya,
            sh * w * c * 4,
            wo * k * 4,
            xb - xa,
            sw * c * 4,
            k * 4,
            0,
          );
        }
      }
    }
    const out = s.run(
      'BatchMatMul',
      { a: p, b: s.reshape(filter, [1, k, co]) },
      { transposeA: false, transposeB: false },
    );
    return s.reshape(out, [n, ho, wo, co]);
  });
}
