/**
 * Our GEMM loop (simdGemm.ts) called directly on the wasm heap. Where a's columns are adjacent
 * it runs 5-row blocks (then 4, 2 and 1 for the last rows), elsewhere 4-row blocks: the same
 * product laid out both ways must come out bit for bit the same, since each out element is
 * one chain of multiply-adds over the rows in order whatever the block. A float64 reference
 * checks that the two are not equally wrong.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { rand, relErr, setupBackends } from './helpers';
import { addressOf, simdFor } from '../../../src/engine/kernels/wasm/simd';

before(setupBackends);

test('outerAcc: 5-row blocks (adjacent columns) equal 4-row blocks (strided) bit for bit', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const simd = simdFor(backend)!;
  assert.ok(simd, 'wasm SIMD is missing');
  const gemmCase = fc.record({
    rows: fc.integer({ min: 1, max: 70 }),
    // Every remainder of aCols / 5 (the rows left after the 5-row blocks).
    aCols: fc.integer({ min: 1, max: 14 }).map((v) => 4 * v),
    bCols: fc.integer({ min: 1, max: 4 }).map((v) => 8 * v),
    add: fc.boolean(),
    seed: fc.nat(),
  });
  fc.assert(
    fc.property(gemmCase, ({ rows, aCols, bCols, add, seed }) => {
      const a = rand([rows, aCols], seed);
      const aT = new Float32Array(rows * aCols);
      for (let r = 0; r < rows; r++)
        for (let i = 0; i < aCols; i++) aT[i * rows + r] = a[r * aCols + i]!;
      const b = rand([rows, bCols], seed + 1);
      const init = rand([aCols, bCols], seed + 2);
      const [ta, taT, tb, out1, out2] = [a, aT, b, init, init].map((v) => tf.tensor(v));
      const at = (t: tf.Tensor) => addressOf(backend, t);
      const [aStride, bStride, outStride] = [aCols * 4, bCols * 4, bCols * 4];
      const common = [rows, aCols, bCols] as const;
      try {
        // a(r, i) = a[r, i]: adjacent columns; the same values from aT[i, r]: strided.
        simd.outerAcc(at(ta!), at(tb!), at(out1!), ...common, aStride, 4, bStride, outStride, +add);
        simd.outerAcc(
          at(taT!),
          at(tb!),
          at(out2!),
          ...common,
          4,
          rows * 4,
          bStride,
          outStride,
          +add,
        );
        const [o1, o2] = [out1!.dataSync() as Float32Array, out2!.dataSync() as Float32Array];
        assert.deepEqual(new Uint32Array(o1.buffer), new Uint32Array(o2.buffer));
        const ref = new Float32Array(aCols * bCols);
        for (let i = 0; i < aCols; i++) {
          for (let j = 0; j < bCols; j++) {
            let sum = add ? init[i * bCols + j]! : 0;
            for (let r = 0; r < rows; r++) sum += a[r * aCols + i]! * b[r * bCols + j]!;
            ref[i * bCols + j] = sum;
          }
        }
        const err = relErr(o1, ref);
        assert.ok(err < 1e-5, `relative error ${err}`);
      } finally {
        tf.dispose([ta!, taT!, tb!, out1!, out2!]);
      }
    }),
    { numRuns: 60, seed: 181 },
  );
});
