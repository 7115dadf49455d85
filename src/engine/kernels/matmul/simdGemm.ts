/**
 * A GEMM of our own for products whose contraction runs over a long axis that both operands
 * store as rows: out[i, j] += Σ_r a[r, i] · b[r, j] (a sum of outer products, "AᵀB"). The stock
 * BatchMatMul (XNNPACK's fully-connected operator) re-packs its right operand on every call
 * (for a fresh operand, more time than the product itself) and needs A transposed first; this
 * loop reads both operands in place, row by row. Register block: 4 rows of out × 8 columns
 * (8 f32x4 accumulators), the column block of b loaded once per r and each a value loaded
 * straight into all four lanes (v128.load32_splat: one instruction where a load and a splat
 * were two). With `fma` (relaxedSimd.ts) each step is one relaxed_madd, else a mul then an add
 * (then results equal XNNPACK's to the bit: same order over r).
 *
 * Where a's columns are adjacent (aColStride = 4, the AᵀB of the filter gradients) the block is
 * 5 rows × 8: a fused multiply-add takes 4–5 cycles, so 8 accumulators leave the FMA units
 * waiting and 10 keep them busy. V8 has 15 vector registers for us and issues a block's loads
 * before its arithmetic, so 5 load32_splats would need 5 registers at once and spill the
 * accumulators; instead 4 of the 5 a values come from one vector load, each broadcast to all
 * lanes by a shuffle just before its use. Every out element is still one chain of
 * multiply-adds over r in order, so the block shape does not change a single bit of the result.
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

/** f32x4.relaxed_madd(a, b, c) = a·b + c, fused where the CPU has FMA (relaxed SIMD). */
const RELAXED_MADD = 0x105;

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function outerAcc(fma = false): Fn {
  // params: a, b, out, rows, aCols, bCols, aStride, aColStride, bStride, outStride, add — counts
  // in floats (aCols a multiple of 4, bCols of 8), strides in bytes: a(r, i) is at
  // a + r·aStride + i·aColStride (so AᵀB: aStride = a row, aColStride = 4; AB: 4 and a row).
  // add = 0 writes out (no need to zero it first), 1 accumulates into it.
  const f = new Fn(new Array<number>(11).fill(I32), 'outerAcc');
  const [a, b, out, rows, aCols, bCols, aStride, aColStride, bStride, outStride, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [i, j, r, pb, po, lim] = Array.from({ length: 6 }, () => f.local(I32)) as [number, number, number, number, number, number];
  const pa = Array.from({ length: 4 }, () => f.local(I32));
  const acc = Array.from({ length: 10 }, () => f.local(V128));
  const [b0, b1, s, va, zero] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  // out + (i + ii)·outStride + 4j (+16 for the second half of the 8 columns).
  const outAddr = (ii: number) => {
    f.get(po);
    if (ii > 0) f.get(outStride).i32(ii).emit(op.i32Mul, op.i32Add);
  };
  // One h×8 block of out at (i, j): accumulators from out (add) or zero, the products over all
  // rows, the accumulators back; `splatA(ii)` pushes a(r, i + ii) in all four lanes and
  // `next()` moves the a pointers on to the next r.
  const block = (h: number, start: () => void, splatA: (ii: number) => void, next: () => void) => {
    f.get(out).get(i).get(outStride).emit(op.i32Mul, op.i32Add).get(j).i32(4).emit(op.i32Mul, op.i32Add).set(po);
    f.get(add).emit(op.if, 0x40);
    for (let ii = 0; ii < h; ii++) {
      outAddr(ii); f.v(simd.load).emit(0, 0).set(acc[2 * ii]!);
      outAddr(ii); f.v(simd.load).emit(0, 16).set(acc[2 * ii + 1]!);
    }
    f.emit(op.else);
    for (const v of acc.slice(0, 2 * h)) f.get(zero).set(v);
    f.emit(op.end);
    start();
    f.get(b).get(j).i32(4).emit(op.i32Mul, op.i32Add).set(pb);
    f.forLt(r, 0, rows, 1, () => {
      f.get(pb).v(simd.load).emit(0, 0).set(b0);
      f.get(pb).v(simd.load).emit(0, 16).set(b1);
      for (let ii = 0; ii < h; ii++) {
        splatA(ii);
        f.set(s);
        for (const [hh, bv] of [[0, b0], [1, b1]] as const) {
          const ac = acc[2 * ii + hh]!;
          if (fma) f.get(s).get(bv).get(ac).v(RELAXED_MADD).set(ac);
          else f.get(ac).get(s).get(bv).v(simd.f32x4Mul).v(simd.f32x4Add).set(ac);
        }
      }
      next();
      f.inc(pb, () => f.get(bStride));
    });
    for (let ii = 0; ii < h; ii++) {
      outAddr(ii); f.get(acc[2 * ii]!).v(simd.store).emit(0, 0);
      outAddr(ii); f.get(acc[2 * ii + 1]!).v(simd.store).emit(0, 16);
    }
  };
  // Adjacent columns: one a pointer; with h ≥ 4 rows a(r, i..i+3) is one vector load and lane
  // ii is broadcast by a shuffle, the rest are load32_splats at their offsets.
  const adjacent = (h: number) => f.forLt(j, 0, bCols, 8, () => block(
    h,
    () => f.get(a).get(i).i32(4).emit(op.i32Mul, op.i32Add).set(pa[0]!),
    (ii) => {
      if (h >= 4 && ii === 0) f.get(pa[0]!).v(simd.load).emit(0, 0).set(va);
      if (h >= 4 && ii < 4) {
        f.get(va).get(va).v(simd.i8x16Shuffle);
        for (let q = 0; q < 4; q++) f.emit(4 * ii, 4 * ii + 1, 4 * ii + 2, 4 * ii + 3);
      } else f.get(pa[0]!).v(simd.load32Splat).emit(2, 4 * ii);
    },
    () => f.inc(pa[0]!, () => f.get(aStride)),
  ));
  f.get(aColStride).i32(4).emit(op.i32Eq, op.if, 0x40);
  // 5-row blocks while they fit, then the last 0–4 rows as 4, 2 and 1.
  f.get(aCols).i32(4).emit(op.i32Sub).set(lim);
  f.forLt(i, 0, lim, 5, () => adjacent(5));
  for (const h of [4, 2, 1]) {
    f.get(aCols).get(i).emit(op.i32Sub).i32(h).emit(op.i32GeS, op.if, 0x40);
    adjacent(h);
    f.inc(i, () => f.i32(h));
    f.emit(op.end);
  }
  f.emit(op.else);
  // Strided columns (AB): 4-row blocks, a pointer per row.
  f.forLt(i, 0, aCols, 4, () => f.forLt(j, 0, bCols, 8, () => block(
    4,
    () => {
      for (let ii = 0; ii < 4; ii++) {
        f.get(a).get(i).i32(ii).emit(op.i32Add).get(aColStride).emit(op.i32Mul, op.i32Add).set(pa[ii]!);
      }
    },
    (ii) => f.get(pa[ii]!).v(simd.load32Splat).emit(0, 0),
    () => pa.forEach((p) => f.inc(p, () => f.get(aStride))),
  )));
  f.emit(op.end);
  return f;
}
