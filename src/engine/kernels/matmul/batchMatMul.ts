/**
 * BatchMatMul for the wasm backend. The stock kernel only uses XNNPACK's fully-connected GEMM
 * for a single matrix product without transposes; with transposeA/transposeB (which every dense
 * layer's gradient asks for: dy·Wᵀ and xᵀ·dy) it falls back to a scalar triple loop, far slower
 * than transposing explicitly (one memory pass) and running the plain GEMM. Batched products
 * (rare here) are split into one GEMM per matrix the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Scope, TI, withScope } from '../wasm/call';
import { outerCalls } from './outerProducts';
import { imageParts, PARALLEL_MIN, splitRange } from '../threads/loopThreads';
import { addressOf, loopThreadsFor } from '../wasm/simd';

/** Rows of B longer than this (bytes), ownGemm walks the output by column blocks (see there),
 * each block's slice of B at most L1_B_BYTES. */
const WIDE_ROW_BYTES = 4096;
const L1_B_BYTES = 32 * 1024;

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
    const own = ownGemm(s, a, b, transposeA, transposeB, batchA);
    if (own) return own;
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

/**
 * One product on our GEMM loop (simdGemm.ts, fused multiply-adds, rows split across our loop
 * threads) when it fits the loop's blocks: rows a multiple of 4, columns of 8. A is read in place
 * either way (aᵀ is just other strides); a transposed B is transposed explicitly (the loop wants
 * B's rows). Unlike the stock path, the right operand is never re-packed: the dense layers'
 * weights change every training step. Returns undefined where the stock path must run.
 */
function ownGemm(
  s: Scope,
  a: TI,
  b: TI,
  transposeA: boolean,
  transposeB: boolean,
  batch: number,
): TI | undefined {
  const backend = s.backend;
  const threads = batch === 1 ? loopThreadsFor(backend) : null;
  if (!threads) return undefined;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const n = transposeB ? br : bc;
  if (m % 4 !== 0 || n % 8 !== 0 || k === 0) return undefined;
  const out = s.make([m, n]);
  // a(r, i) = A[i, r], or A[r, i] when transposed: A's rows are ac floats.
  const pa = unaliased(s, addressOf(backend, a), ar, ac);
  // The loop reads B's rows: a transposed B is transposed here (by our loop where its sides
  // are multiples of 4, into rows padded as unaliased pads them).
  let pb: { at: number; row: number };
  if (!transposeB) pb = unaliased(s, addressOf(backend, b), k, n);
  else if (br % 4 === 0 && bc % 4 === 0) pb = transposed(s, addressOf(backend, b), br, bc);
  else pb = unaliased(s, addressOf(backend, s.transpose(s.reshape(b, [br, bc]), [1, 0])), k, n);
  const po = addressOf(backend, out);
  const [aStride, aColStride] = transposeA ? [pa.row, 4] : [4, pa.row];
  const operands = {
    a: pa.at,
    aCols: m,
    aStride,
    aColStride,
    b: pb.at,
    bCols: n,
    bStride: pb.row,
    out: po,
    outStride: n * 4,
    add: false,
  };
  if (n * 4 <= WIDE_ROW_BYTES) {
    // Threads take rows of the output; outerCalls takes B in blocks of rows that stay in L2
    // together with A's slice, whatever k (a dense layer's 4,096 inputs).
    threads.run(
      imageParts(m, 1, threads.size).map(([i0, i1]) =>
        outerCalls(k, {
          ...operands,
          a: pa.at + i0 * aColStride,
          aCols: i1 - i0,
          out: po + i0 * n * 4,
        }),
      ),
    );
  } else {
    // A wide B (the dense layers' input gradient dY·Wᵀ: 128 × 3136 columns): a block of B's
    // rows is as wide as B, so even 64 of them leave L2, and the loop walks them once per 4 rows
    // of the output.
    // Column blocks of the output instead, each block's slice of B ≤ 32 KiB (in L1 for all the
    // block's rows), the threads taking blocks. Each sum runs over r in the same order,
    // so the result is the same to the bit.
    const width = Math.max(8, Math.floor(L1_B_BYTES / (4 * k) / 8) * 8);
    const blocks = Math.ceil(n / width);
    threads.run(
      splitRange(blocks, threads.size, 1, 1).map(([b0, b1]) =>
        Array.from({ length: b1 - b0 }, (_, q) => {
          const j0 = (b0 + q) * width;
          return outerCalls(k, {
            ...operands,
            b: pb.at + j0 * 4,
            bCols: Math.min(width, n - j0),
            out: po + j0 * 4,
          });
        }).flat(),
      ),
    );
  }
  return s.reshape(out, [...a.shape.slice(0, -2), m, n]);
}

/**
 * Bytes a row of `cols` floats takes in our GEMM's operands: 64 more where `cols` floats are a
 * multiple of 4 KiB. The GEMM loop walks hundreds of rows at a time, and rows 4 KiB apart all
 * fall in one L1 cache set (a dense layer's 4,096 inputs ran several times slower than 3,136;
 * CHANGELOG.md has the timings).
 */
const rowBytes = (cols: number): number => ((cols * 4) % 4096 === 0 ? cols * 4 + 64 : cols * 4);

/** A matrix [rows, cols] at `at`, or a copy with rowBytes(cols) a row where that is longer. */
function unaliased(s: Scope, at: number, rows: number, cols: number): { at: number; row: number } {
  const row = rowBytes(cols);
  if (row === cols * 4) return { at, row };
  const copy = addressOf(s.backend, s.make([rows, row / 4]));
  const threads = loopThreadsFor(s.backend)!;
  threads.run(
    splitRange(rows, threads.size, 1, Math.ceil(PARALLEL_MIN / cols)).map(([r0, r1]) => [
      {
        fn: 'strided3d',
        args: [at + r0 * cols * 4, copy + r0 * row, 1, 0, 0, r1 - r0, cols * 4, row, cols, 4, 4, 0],
      },
    ]),
  );
  return { at: copy, row };
}

/** bᵀ of b [rows, cols] (multiples of 4) by our transpose4 loop, threads taking column blocks,
 * into rows of rowBytes(rows). */
function transposed(s: Scope, at: number, rows: number, cols: number): { at: number; row: number } {
  const row = rowBytes(rows);
  const dst = addressOf(s.backend, s.make([cols, row / 4]));
  const threads = loopThreadsFor(s.backend)!;
  threads.run(
    splitRange(cols / 4, threads.size, 1, Math.ceil(PARALLEL_MIN / (4 * rows))).map(([c0, c1]) => [
      {
        fn: 'transpose4',
        args: [at + c0 * 16, dst + c0 * 4 * row, rows, (c1 - c0) * 4, cols * 4, row],
      },
    ]),
  );
  return { at: dst, row };
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as tf.KernelFunc,
};
