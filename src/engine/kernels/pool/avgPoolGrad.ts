/**
 * AvgPoolGrad for the wasm backend when the windows tile the input without overlap or padding
 * (the densenet's transitions: 2×2, stride 2, 'valid'): each input pixel then lies in at most one
 * window and receives that window's dy divided by its size, and pixels past the last window
 * (odd sizes) receive 0. The stock kernel loops over every (pixel, window) pair (CHANGELOG.md
 * has the profile). Other configurations: the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, stockKernel, type TI } from '../wasm/call';
import { zeroFill } from '../wasm/zeroFill';
import { poolGeometry } from './poolGeometry';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

export function avgPoolGrad(args: Args): TI {
  const { dy, input } = args.inputs as { dy: TI; input: TI };
  const { n, h, w, c, ho, wo, sh, sw, kh, kw, pad, channelsLast } = poolGeometry(
    input,
    args.attrs as unknown as tf.AvgPoolGradAttrs,
  );
  const tiles =
    dy.dtype === 'float32' &&
    kh === sh &&
    kw === sw &&
    pad.t + pad.b + pad.l + pad.r === 0 &&
    channelsLast;
  if (!tiles) return stockKernel(tf.AvgPoolGrad)(args) as TI;
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  // Pixels past the last window stay 0 (TypedArray.fill is slow on the threaded heap).
  zeroFill(backend, out);
  // Views after the last allocation (malloc can grow and detach the heap).
  const dx = heapF32(backend, out);
  const g = heapF32(backend, dy);
  const scale = 1 / (kh * kw);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const from = ((b * ho + i) * wo + j) * c;
        for (let y = i * sh; y < i * sh + kh; y++)
          for (let x = j * sw; x < j * sw + kw; x++) {
            const to = ((b * h + y) * w + x) * c;
            for (let k = 0; k < c; k++) dx[to + k] = g[from + k]! * scale;
          }
      }
  return out;
}

export const avgPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: avgPoolGrad as unknown as tf.KernelFunc,
};
