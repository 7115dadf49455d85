/**
 * Memory-bound SIMD loops (wasm built by wasmAsm.ts): row sums for the bias-gradient Sum, and a
 * strided 3-D copy that builds the im2col matrix of convFilterGemm.ts.
 */
import { Fn, I32, op, simd } from './wasmAsm';

export function sumRows(): Fn {
  // params: src, dst, rows, vecBytes, rowStride
  const f = new Fn([I32, I32, I32, I32, I32], 'sumRows');
  const [src, dst, rows, vecBytes, rowStride] = [0, 1, 2, 3, 4];
  const r = f.local(I32),
    cb = f.local(I32),
    sixteen = f.local(I32),
    row = f.local(I32);
  f.i32(16).set(sixteen);
  f.forLt(
    r,
    () => f.i32(0),
    rows,
    'one',
    () => {
      f.get(src).get(r).get(rowStride).emit(op.i32Mul, op.i32Add).set(row);
      f.forLt(
        cb,
        () => f.i32(0),
        vecBytes,
        sixteen,
        () => {
          f.get(dst).get(cb).emit(op.i32Add);
          f.get(dst)
            .get(cb)
            .emit(op.i32Add)
            .vload()
            .get(row)
            .get(cb)
            .emit(op.i32Add)
            .vload()
            .v(simd.f32x4Add)
            .vstore();
        },
      );
    },
  );
  return f;
}

export function copy3d(): Fn {
  // params: src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, len, colStep
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], 'copy3d');
  const [src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, len, colStep] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
  ];
  const p = f.local(I32),
    r = f.local(I32),
    c = f.local(I32),
    s = f.local(I32),
    d = f.local(I32);
  const len4 = f.local(I32),
    four = f.local(I32);
  f.i32(4).set(four);
  f.get(len).i32(-4).emit(op.i32And).set(len4);
  f.forLt(
    p,
    () => f.i32(0),
    planes,
    'one',
    () => {
      f.forLt(
        r,
        () => f.i32(0),
        rows,
        'one',
        () => {
          f.get(src)
            .get(p)
            .get(srcPlane)
            .emit(op.i32Mul, op.i32Add)
            .get(r)
            .get(srcRow)
            .emit(op.i32Mul, op.i32Add)
            .set(s);
          f.get(dst)
            .get(p)
            .get(dstPlane)
            .emit(op.i32Mul, op.i32Add)
            .get(r)
            .get(dstRow)
            .emit(op.i32Mul, op.i32Add)
            .set(d);
          // Contiguous source rows (stride 1) go 4 floats at a time, then the scalar tail.
          f.i32(0).set(c);
          f.get(colStep).i32(4).emit(op.i32Eq, op.if, 0x40);
          f.forLt(
            c,
            () => f.i32(0),
            len4,
            four,
            () => {
              f.get(d).get(s).vload().vstore();
              f.get(d).i32(16).emit(op.i32Add).set(d);
              f.get(s).i32(16).emit(op.i32Add).set(s);
            },
          );
          f.emit(op.end);
          f.forLt(
            c,
            () => f.get(c),
            len,
            'one',
            () => {
              f.get(d).get(s).emit(op.f32Load, 2, 0, op.f32Store, 2, 0);
              f.get(d).i32(4).emit(op.i32Add).set(d);
              f.get(s).get(colStep).emit(op.i32Add).set(s);
            },
          );
        },
      );
    },
  );
  return f;
}
