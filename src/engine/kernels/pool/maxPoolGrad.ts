/**
 * MaxPoolGrad for the wasm backend. The stock kernel walks, for every input pixel, every window
 * that might contain it; here each window is visited once, 4 channels at a time in our SIMD loop
 * (simd.ts: max over the window, then dy added where x equals it), or in plain JS when the
 * channel count is not a multiple of 4. Ties and NaN follow the cpu backend: the first strictly greater
 * value in row-major window order wins, and a window with no value > −∞ passes no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapF32, TI } from '../wasm/call';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { imageParts, type Program } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { poolGeometry } from './poolGeometry';

export function maxPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { dy, input } = args.inputs as { dy: TI; input: TI };
  const { n, h, w, c, ho, wo, sh, sw, kh, kw, pad } = poolGeometry(
    input,
    args.attrs as unknown as tf.MaxPoolGradAttrs,
  );
  const [pt, pl] = [pad.t, pad.l];
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(input.shape, 'float32');
  // Views only after the allocation above (a heap growth would detach them).
  const dx = heapF32(backend, out);
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const fast = c % 4 === 0 ? simdFor(backend) : null;
  const threads = fast ? loopThreadsFor(backend) : null;
  if (fast && threads) {
    const [px, pdx, pdy] = [
      addressOf(backend, input),
      addressOf(backend, out),
      addressOf(backend, dy),
    ];
    const cb = 4 * c;
    const overlap = sh < kh || sw < kw ? 1 : 0;
    // Non-overlapping windows that tile the input write every dx element (the loop stores dy
    // or 0 at each window position); otherwise dx starts from zero.
    if (overlap || pt !== 0 || pl !== 0 || ho * sh !== h || wo * sw !== w || sh !== kh || sw !== kw)
      dx.fill(0);
    // Windows fully inside the row go to the SIMD loop in one call; clipped ones one by one.
    const oxA = Math.min(wo, Math.ceil(pl / sw)),
      oxB = Math.max(oxA, Math.min(wo, Math.floor((w + pl - kw) / sw) + 1));
    // Overlapping windows of one image only touch that image's dx: images split across threads.
    const program = ([b0, b1]: [number, number]): Program => {
      const calls: Program = [];
      for (let b = b0; b < b1; b++) {
        for (let oy = 0; oy < ho; oy++) {
          const y0 = oy * sh - pt,
            r0 = Math.max(0, y0),
            rows = Math.min(h, y0 + kh) - r0;
          const dyRow = pdy + (b * ho + oy) * wo * cb;
          const call = (ox: number, count: number) => {
            const x0 = ox * sw - pl,
              c0 = Math.max(0, x0),
              cols = Math.min(w, x0 + kw) - c0;
            const at = ((b * h + r0) * w + c0) * cb;
            calls.push({
              fn: 'poolGrad',
              args: [
                px + at,
                pdx + at,
                dyRow + ox * cb,
                rows,
                cols,
                w * cb,
                cb,
                cb,
                count,
                sw * cb,
                overlap,
              ],
            });
          };
          for (let ox = 0; ox < oxA; ox++) call(ox, 1);
          if (oxB > oxA) call(oxA, oxB - oxA);
          for (let ox = oxB; ox < wo; ox++) call(ox, 1);
        }
      }
      return calls;
    };
    threads.run(imageParts(n, 4, threads.size).map(program));
    return out;
  }
  dx.fill(0);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  const rowStride = w * c;
  for (let b = 0; b < n; b++) {
    const xb = b * h * rowStride;
    for (let oy = 0; oy < ho; oy++) {
      const y0 = oy * sh - pt;
      const r0 = Math.max(0, y0),
        r1 = Math.min(h, y0 + kh);
      for (let ox = 0; ox < wo; ox++) {
        const x0 = ox * sw - pl;
        const c0 = Math.max(0, x0),
          c1 = Math.min(w, x0 + kw);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const base = xb + r * rowStride + col * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                where[ch] = base + ch;
              }
            }
          }
        }
        const gBase = ((b * ho + oy) * wo + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          const at = where[ch]!;
          if (at >= 0) dx[at] = dx[at]! + g[gBase + ch]!;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};
