/**
 * BatchMatMul for the wasm backend. The stock kernel only uses XNNPACK's fully-connected GEMM
 * for a single matrix product without transposes; with transposeA/transposeB (which every dense
 * layer's gradient asks for: dy·Wᵀ and xᵀ·dy) it falls back to a scalar triple loop, ~12× slower
 * than transposing explicitly (one memory pass) and running the plain GEMM. Batched products
 * (rare here) are split into one GEMM per matrix the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Scope, TI, withScope } from './call';

export function batchMatMul(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { a, b } = args.inputs as { a: TI; b: TI };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  const batchA = batchOf(a),
    batchB = batchOf(b);
  // Broadcasting batches (other than 1 vs 1) or non-float inputs: keep tfjs's own semantics.
  if (
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    batchA !== batchB ||
    a.shape.length !== b.shape.length
  ) {
    return withScope(args.backend, (s) =>
      s.run('BatchMatMul', { a, b }, { transposeA, transposeB }),
    );
  }
  return withScope(args.backend, (s) => {
    const a3 = plain(s, a, transposeA, batchA);
    const b3 = plain(s, b, transposeB, batchB);
    const [, m, k] = a3.shape as [number, number, number];
    const n = b3.shape[2]!;
    const outShape = [...a.shape.slice(0, -2), m, n];
    if (batchA === 1)
      return s.reshape(
        s.run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false }),
        outShape,
      );
    // One GEMM per matrix, each written into its slot of the output.
    const out = s.make([batchA, m, n]);
    for (let i = 0; i < batchA; i++) {
      const ai = s.run('Slice', { x: a3 }, { begin: [i, 0, 0], size: [1, m, k] });
      const bi = s.run('Slice', { x: b3 }, { begin: [i, 0, 0], size: [1, k, n] });
      const oi = s.run('BatchMatMul', { a: ai, b: bi }, { transposeA: false, transposeB: false });
      const backend = s.backend;
      const src = backend.typedArrayFromHeap(oi) as Float32Array;
      (backend.typedArrayFromHeap(out) as Float32Array).set(src, i * m * n);
    }
    return s.reshape(out, outShape);
  });
}

function batchOf(t: TI): number {
  return t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

/** [batch, rows, cols] with the transpose (if any) done explicitly. */
function plain(s: Scope, t: TI, transposed: boolean, batch: number): TI {
  const r = t.shape[t.shape.length - 2]!,
    c = t.shape[t.shape.length - 1]!;
  const t3 = s.reshape(t, [batch, r, c]);
  return transposed ? s.transpose(t3, [0, 2, 1]) : t3;
}
