/**
 * FusedBatchNorm (inference form: y = (x − mean)·scale/√(var+ε) + offset, which batchnorm
 * layers also run in training with the batch moments) for the wasm backend. The stock kernel
 * is a scalar loop; with per-channel parameters it is one SIMD pass here:
 * a = scale/√(var+ε) is computed per channel (float64, like the cpu backend), then our loop
 * does (x − mean)·a + offset 4 channels at a time. Parameters that are neither per-channel nor
 * scalar (the cpu backend cycles any parameter length through x) go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, TI, withScope } from '../wasm/call';
import { addressOf, simdFor } from '../wasm/simd';

export function batchNorm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const inputs = args.inputs as Record<'x' | 'mean' | 'variance', TI> &
    Partial<Record<'offset' | 'scale', TI>>;
  const { x, mean, variance, offset, scale } = inputs;
  const eps = (args.attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon ?? 0.001;
  const backend = args.backend as BackendWasm;
  const fast = simdFor(backend);
  const c = x.shape[x.shape.length - 1] ?? 1;
  const params = [mean, variance, offset, scale].filter((t): t is TI => t != null);
  const perChannel = params.every((t) => [1, c].includes(tf.util.sizeFromShape(t.shape)));
  const all = [x, ...params].every((t) => t.dtype === 'float32');
  if (!fast || !perChannel || !all || x.shape.length === 0) {
    return withScope(backend, (s) => s.run('FusedBatchNorm', inputs, args.attrs));
  }
  return withScope(backend, (s) => {
    const out = s.make(x.shape);
    const par = s.make([3 * c]);
    const view = heapF32(backend, par);
    const at = (t: TI | undefined, ch: number, dflt: number) => {
      if (!t) return dflt;
      const v = heapF32(backend, t);
      return v.length === 1 ? v[0]! : v[ch]!;
    };
    for (let ch = 0; ch < c; ch++) {
      view[ch] = at(mean, ch, 0);
      view[c + ch] = at(scale, ch, 1) / Math.sqrt(at(variance, ch, 0) + eps);
      view[2 * c + ch] = at(offset, ch, 0);
    }
    const rows = tf.util.sizeFromShape(x.shape) / c;
    const vec = c & ~3;
    if (vec > 0) {
      fast.affineRows(
        addressOf(backend, x),
        addressOf(backend, out),
        rows,
        vec * 4,
        c * 4,
        addressOf(backend, par),
      );
    }
    if (vec < c) {
      const [src, dst] = [heapF32(backend, x), heapF32(backend, out)];
      for (let r = 0; r < rows; r++) {
        for (let ch = vec; ch < c; ch++) {
          const i = r * c + ch;
          dst[i] = (src[i]! - view[ch]!) * view[c + ch]! + view[2 * c + ch]!;
        }
      }
    }
    return out;
  });
}

export const fusedBatchNormConfig: tf.KernelConfig = {
  kernelName: tf.FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: batchNorm as tf.KernelFunc,
};
