/**
 * Sum and Mean over leading axes for the wasm backend: the bias gradient of every conv/dense
 * layer (dy summed over batch, height and width) and batchnorm's moments. The stock kernels
 * first transpose the reduced axes to the end (a strided copy of the whole tensor), then
 * reduce; here one streaming pass adds the rows,
 * in blocks of BLOCK rows summed in f32 by our SIMD loop, each block's partial sums then added
 * into float64 (the cpu backend accumulates in float64; plain f32 over 10⁵ rows drifts).
 * Any other reduction goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, Scope, TI, withScope } from '../wasm/call';
import { PARALLEL_MIN, splitRange } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';

const BLOCK = 64;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

export const sum = (args: Args): TI => reduceLeading(args, 'Sum');
export const mean = (args: Args): TI => reduceLeading(args, 'Mean');

function reduceLeading(args: Args, kernel: 'Sum' | 'Mean'): TI {
  const { x } = args.inputs as { x: TI };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading) {
    return withScope(args.backend, (s) => s.run(kernel, { x }, { axis, keepDims }));
  }
  const rows = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  const cols = x.shape.slice(k).reduce((p, d) => p * d, 1);
  const outShape = keepDims
    ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)]
    : x.shape.slice(k);
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(outShape, 'float32');
  const acc = new Float64Array(cols);
  const fast = simdFor(backend);
  const vec = fast ? cols & ~3 : 0;
  if (fast && vec > 0) {
    // Each block's partial sums in a row of its own (f32), in parallel over the blocks (our
    // loop threads: no two write the same row); then the rows added in block order in float64.
    const blocks = Math.ceil(rows / BLOCK);
    const s = new Scope(backend);
    try {
      const t = s.make([blocks, vec]);
      const [pSrc, pPart] = [addressOf(backend, x), addressOf(backend, t)];
      heapF32(backend, t).fill(0);
      const threads = loopThreadsFor(backend)!;
      threads.run(
        splitRange(blocks, threads.size, 1, Math.ceil(PARALLEL_MIN / (BLOCK * cols))).map(
          ([b0, b1]) =>
            Array.from({ length: b1 - b0 }, (_, i) => {
              const r0 = (b0 + i) * BLOCK;
              return {
                fn: 'sumRows',
                args: [
                  pSrc + r0 * cols * 4,
                  pPart + (b0 + i) * vec * 4,
                  Math.min(BLOCK, rows - r0),
                  vec * 4,
                  cols * 4,
                ],
              };
            }),
        ),
      );
      const parts = heapF32(backend, t);
      for (let b = 0; b < blocks; b++)
        for (let c = 0; c < vec; c++) acc[c] = acc[c]! + parts[b * vec + c]!;
    } finally {
      s.dispose();
    }
  }
  const src = heapF32(backend, x);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    for (let c = vec; c < cols; c++) acc[c] = acc[c]! + src[base + c]!;
  }
  if (kernel === 'Mean') for (let c = 0; c < cols; c++) acc[c] = acc[c]! / rows;
  heapF32(backend, out).set(acc);
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum as tf.KernelFunc,
};

export const meanConfig: tf.KernelConfig = {
  kernelName: tf.Mean,
  backendName: 'wasm',
  kernelFunc: mean as tf.KernelFunc,
};
