/**
 * The SIMD loop behind MaxPoolGrad (see maxPoolGrad.ts), as wasm built by wasmAsm.ts. For each
 * of `count` pooling windows along a row and each block of 4 channels: the window's maximum
 * (first strictly greater wins, like the cpu backend), then dy added at the first position that
 * equals it. Pointers and strides are in bytes.
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function poolGrad(): Fn {
  // params: x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], 'poolGrad');
  const [x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [ch, r, c, off, k] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const [best, taken, g, valid, m, v] = [0, 0, 0, 0, 0, 0].map(() => f.local(V128)) as [number, number, number, number, number, number];
  const at = (base: number) => f.get(base).get(off).emit(op.i32Add);
  // off = r·rowStride + c·colStride + ch, for every position of the window.
  const window = (body: () => void) =>
    f.forLt(r, 0, rows, 1, () => f.forLt(c, 0, cols, 1, () => {
      f.get(r).get(rowStride).emit(op.i32Mul).get(c).get(colStride).emit(op.i32Mul, op.i32Add).get(ch).emit(op.i32Add).set(off);
      body();
    }));
  f.forLt(k, 0, count, 1, () => {
    f.forLt(ch, 0, cBytes, 16, () => {
      f.f32(-Infinity).v(simd.f32x4Splat).set(best);
      // best = v > best ? v : best, lane-wise: the first strictly greater value wins.
      window(() => { at(x).vload().tee(v).get(best).get(v).get(best).v(simd.f32x4Gt).v(simd.bitselect).set(best); });
      f.get(dy).get(ch).emit(op.i32Add).vload().set(g);
      f.get(best).f32(-Infinity).v(simd.f32x4Splat).v(simd.f32x4Gt).set(valid);
      f.f32(0).v(simd.f32x4Splat).set(taken);
      // Only the first position equal to the max gets dy; windows of −∞/NaN pass nothing.
      window(() => {
        at(x).vload().get(best).v(simd.f32x4Eq).get(valid).v(simd.and).get(taken).v(simd.andNot).set(m);
        f.get(taken).get(m).v(simd.or).set(taken);
        at(dx);
        // Overlapping windows accumulate; otherwise each dx element is written once (dx is zeroed).
        f.get(overlap).emit(op.if, V128);
        at(dx).vload().get(m).get(g).v(simd.and).v(simd.f32x4Add);
        f.emit(op.else).get(m).get(g).v(simd.and).emit(op.end).vstore();
      });
    });
    // The next window along the row: x and dx move by xStep, dy by one pixel.
    f.inc(x, () => f.get(xStep)).inc(dx, () => f.get(xStep)).inc(dy, () => f.get(cBytes));
  });
  return f;
}
