/**
 * SIMD loops of batch norm in training mode (batchNormTrain.ts): the squared deviations for the
 * batch variance, the two per-channel sums of the backward pass, and the input gradient as one
 * per-channel affine combination of dy and x. Rows are the N·H·W positions, a row's C channels
 * lie contiguously (rowStride bytes); callers pass C a multiple of 4. Pointers are in bytes.
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function sqDevRows(): Fn {
  // params: src, dst, rows, rowStride, m — dst[c] += Σ_r (src[r, c] − m[c])², f32.
  const f = new Fn([I32, I32, I32, I32, I32], 'sqDevRows');
  const [src, dst, rows, rowStride, m] = [0, 1, 2, 3, 4];
  const [r, cb, row, d] = [f.local(I32), f.local(I32), f.local(I32), f.local(V128)];
  f.forLt(r, 0, rows, 1, () => {
    f.get(src).get(r).get(rowStride).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(cb, 0, rowStride, 16, () => {
      f.get(row).get(cb).emit(op.i32Add).vload().get(m).get(cb).emit(op.i32Add).vload().v(simd.f32x4Sub).set(d);
      f.get(dst).get(cb).emit(op.i32Add);
      f.get(dst).get(cb).emit(op.i32Add).vload().get(d).get(d).v(simd.f32x4Mul).v(simd.f32x4Add).vstore();
    });
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function bnGradSums(): Fn {
  // params: dy, x, dst, rows, rowStride, m — dst[c] += Σ_r dy[r, c] and
  // dst[C + c] += Σ_r dy[r, c]·(x[r, c] − m[c]) (the second vector rowStride bytes after the first).
  const f = new Fn([I32, I32, I32, I32, I32, I32], 'bnGradSums');
  const [dy, x, dst, rows, rowStride, m] = [0, 1, 2, 3, 4, 5];
  const [r, cb, off, g] = [f.local(I32), f.local(I32), f.local(I32), f.local(V128)];
  f.forLt(r, 0, rows, 1, () => {
    f.get(r).get(rowStride).emit(op.i32Mul).set(off);
    f.forLt(cb, 0, rowStride, 16, () => {
      f.get(dy).get(off).emit(op.i32Add).get(cb).emit(op.i32Add).vload().set(g);
      f.get(dst).get(cb).emit(op.i32Add);
      f.get(dst).get(cb).emit(op.i32Add).vload().get(g).v(simd.f32x4Add).vstore();
      f.get(dst).get(rowStride).emit(op.i32Add).get(cb).emit(op.i32Add);
      f.get(dst).get(rowStride).emit(op.i32Add).get(cb).emit(op.i32Add).vload();
      f.get(x).get(off).emit(op.i32Add).get(cb).emit(op.i32Add).vload().get(m).get(cb).emit(op.i32Add).vload().v(simd.f32x4Sub);
      f.get(g).v(simd.f32x4Mul).v(simd.f32x4Add).vstore();
    });
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function bnDxRows(): Fn {
  // params: dy, x, out, rows, rowStride, par — out = (dy·A + D) + (x − m)·B per channel, with
  // [A | m | B | D] consecutive per-channel vectors at par (each rowStride bytes long).
  const f = new Fn([I32, I32, I32, I32, I32, I32], 'bnDxRows');
  const [dy, x, out, rows, rowStride, par] = [0, 1, 2, 3, 4, 5];
  const [r, cb, off] = [f.local(I32), f.local(I32), f.local(I32)];
  const parVec = (k: number) => {
    f.get(par).get(cb).emit(op.i32Add);
    for (let i = 0; i < k; i++) f.get(rowStride).emit(op.i32Add);
    return f.vload();
  };
  f.forLt(r, 0, rows, 1, () => {
    f.get(r).get(rowStride).emit(op.i32Mul).set(off);
    f.forLt(cb, 0, rowStride, 16, () => {
      f.get(out).get(off).emit(op.i32Add).get(cb).emit(op.i32Add);
      f.get(dy).get(off).emit(op.i32Add).get(cb).emit(op.i32Add).vload();
      parVec(0).v(simd.f32x4Mul);
      parVec(3).v(simd.f32x4Add);
      f.get(x).get(off).emit(op.i32Add).get(cb).emit(op.i32Add).vload();
      parVec(1).v(simd.f32x4Sub);
      parVec(2).v(simd.f32x4Mul).v(simd.f32x4Add).vstore();
    });
  });
  return f;
}
