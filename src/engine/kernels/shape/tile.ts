/**
 * Tile for the wasm backend. tfjs's batchnorm gradient tiles per-channel vectors up to the
 * activation's full shape, several times per layer, and the stock kernel computes every output
 * element's source index. Here each axis is handled as
 * whole blocks: the inner block for one index along the axis is built (recursively), then
 * repeated by doubling copyWithin calls (memcpy), so the cost is one write of the output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TI, withScope } from '../wasm/call';

export function tile(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { x } = args.inputs as { x: TI };
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) {
    return withScope(args.backend, (s) => s.run('Tile', { x }, { reps }));
  }
  const backend = args.backend as BackendWasm;
  const shape = x.shape;
  const outShape = shape.map((d, i) => d * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = shape.length;
  const inStride = tf.util.computeStrides(shape).concat([1]);
  const outStride = tf.util.computeStrides(outShape).concat([1]);
  // Fills dst[d, d + outShape[axis]·outStride[axis]) from src[s…] for the given axis.
  const fill = (axis: number, s: number, d: number): void => {
    const inner = outStride[axis]!;
    if (axis === rank - 1) dst.set(src.subarray(s, s + shape[axis]!), d);
    else
      for (let i = 0; i < shape[axis]!; i++) fill(axis + 1, s + i * inStride[axis]!, d + i * inner);
    // Repeat the first copy along this axis: copy what exists, doubling each time.
    const block = shape[axis]! * inner;
    const total = block * reps[axis]!;
    for (let have = block; have < total; have *= 2) {
      dst.copyWithin(d + have, d, d + Math.min(have, total - have));
    }
  };
  fill(0, 0, 0);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as tf.KernelFunc,
};
