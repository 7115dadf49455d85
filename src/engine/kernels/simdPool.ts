/**
 * The SIMD loop behind MaxPoolGrad (see maxPoolGrad.ts), as wasm built by wasmAsm.ts. For each
 * of `count` pooling windows along a row and each block of 4 channels: the window's maximum
 * (first strictly greater wins, like the cpu backend), then dy added at the first position that
 * equals it. Pointers and strides are in bytes.
 */
import { Fn, I32, op, simd, V128 } from './wasmAsm';

export function poolGrad(): Fn {
  // params: x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], 'poolGrad');
  const [x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  const ch = f.local(I32),
    r = f.local(I32),
    c = f.local(I32),
    off = f.local(I32),
    sixteen = f.local(I32),
    k = f.local(I32);
  const best = f.local(V128),
    taken = f.local(V128),
    g = f.local(V128),
    valid = f.local(V128),
    m = f.local(V128),
    v = f.local(V128);
  const offset = () =>
    f
      .get(r)
      .get(rowStride)
      .emit(op.i32Mul)
      .get(c)
      .get(colStride)
      .emit(op.i32Mul, op.i32Add)
      .get(ch)
      .emit(op.i32Add)
      .set(off);
  const window = (body: () => void) =>
    f.forLt(
      r,
      () => f.i32(0),
      rows,
      'one',
      () =>
        f.forLt(
          c,
          () => f.i32(0),
          cols,
          'one',
          () => {
            offset();
            body();
          },
        ),
    );
  const advance = (p: number, step: () => void) => {
    f.get(p);
    step();
    f.emit(op.i32Add).set(p);
  };
  f.i32(16).set(sixteen);
  // `count` windows side by side along a row: x and dx move by xStep, dy by one pixel.
  f.forLt(
    k,
    () => f.i32(0),
    count,
    'one',
    () => {
      f.forLt(
        ch,
        () => f.i32(0),
        cBytes,
        sixteen,
        () => {
          f.f32(-Infinity).v(simd.f32x4Splat).set(best);
          // best = v > best ? v : best, lane-wise: the first strictly greater value wins (cpu semantics).
          window(() => {
            f.get(x).get(off).emit(op.i32Add).vload().tee(v).get(best);
            f.get(v).get(best).v(simd.f32x4Gt).v(simd.bitselect).set(best);
          });
          f.get(dy).get(ch).emit(op.i32Add).vload().set(g);
          f.get(best).f32(-Infinity).v(simd.f32x4Splat).v(simd.f32x4Gt).set(valid);
          f.f32(0).v(simd.f32x4Splat).set(taken);
          // Only the first position equal to the max gets dy; windows of −∞/NaN pass nothing.
          window(() => {
            f.get(x)
              .get(off)
              .emit(op.i32Add)
              .vload()
              .get(best)
              .v(simd.f32x4Eq)
              .get(valid)
              .v(simd.and)
              .get(taken)
              .v(simd.andNot)
              .set(m);
            f.get(taken).get(m).v(simd.or).set(taken);
            f.get(dx).get(off).emit(op.i32Add);
            // Overlapping windows accumulate; otherwise each dx element is written once (dx is zeroed).
            f.get(overlap).emit(op.if, V128);
            f.get(dx).get(off).emit(op.i32Add).vload().get(m).get(g).v(simd.and).v(simd.f32x4Add);
            f.emit(op.else).get(m).get(g).v(simd.and).emit(op.end).vstore();
          });
        },
      );
      advance(x, () => f.get(xStep));
      advance(dx, () => f.get(xStep));
      advance(dy, () => f.get(cBytes));
    },
  );
  return f;
}
