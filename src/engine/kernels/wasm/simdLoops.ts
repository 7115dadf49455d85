/**
 * Memory-bound SIMD loops (wasm built by wasmAsm.ts): row sums for the bias-gradient Sum, and a
 * strided 3-D copy/accumulate that builds the im2col matrix of convFilterGemm.ts and scatters
 * the col2im sums of convInputGemm.ts, one float or (strided4d) one vector of channels at a
 * time; and a zero fill. Pointers and strides are in bytes.
 */
import { Fn, I32, op, simd, V128 } from './wasmAsm';

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function sumRows(): Fn {
  // params: src, dst, rows, vecBytes, rowStride — dst[0..vecBytes) += Σ_r src row r
  const f = new Fn([I32, I32, I32, I32, I32], 'sumRows');
  const [src, dst, rows, vecBytes, rowStride] = [0, 1, 2, 3, 4];
  const [r, cb, row] = [f.local(I32), f.local(I32), f.local(I32)];
  f.forLt(r, 0, rows, 1, () => {
    f.get(src).get(r).get(rowStride).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(cb, 0, vecBytes, 16, () => {
      f.get(dst).get(cb).emit(op.i32Add);
      f.get(dst).get(cb).emit(op.i32Add).vload().get(row).get(cb).emit(op.i32Add).vload().v(simd.f32x4Add).vstore();
    });
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function strided3d(): Fn {
  // params: src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, len, srcCol, dstCol, add
  // dst[p,r,c] (+)= src[p,r,c] for c < len (a count of floats): `add` accumulates instead.
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], 'strided3d');
  const [src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, len, srcCol, dstCol, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [p, r, c, s, d, len4] = [0, 0, 0, 0, 0, 0].map(() => f.local(I32)) as [number, number, number, number, number, number];
  f.get(len).i32(-4).emit(op.i32And).set(len4);
  f.forLt(p, 0, planes, 1, () => f.forLt(r, 0, rows, 1, () => {
    f.get(src).get(p).get(srcPlane).emit(op.i32Mul, op.i32Add).get(r).get(srcRow).emit(op.i32Mul, op.i32Add).set(s);
    f.get(dst).get(p).get(dstPlane).emit(op.i32Mul, op.i32Add).get(r).get(dstRow).emit(op.i32Mul, op.i32Add).set(d);
    f.i32(0).set(c);
    // Contiguous rows on both sides go 4 floats at a time, then (or otherwise) one at a time.
    f.get(srcCol).get(dstCol).emit(op.i32Add).i32(8).emit(op.i32Eq, op.if, 0x40);
    f.forLt(c, 0, len4, 4, () => {
      f.get(d);
      f.get(add).emit(op.if, 0x7b).get(d).vload().get(s).vload().v(simd.f32x4Add);
      f.emit(op.else).get(s).vload().emit(op.end).vstore();
      f.inc(d, () => f.i32(16)).inc(s, () => f.i32(16));
    });
    f.emit(op.end);
    f.forLt(c, () => f.get(c), len, 1, () => {
      f.get(d);
      f.get(add).emit(op.if, 0x7d).get(d).emit(op.f32Load, 2, 0).get(s).emit(op.f32Load, 2, 0, op.f32Add);
      f.emit(op.else).get(s).emit(op.f32Load, 2, 0, op.end, op.f32Store, 2, 0);
      f.inc(d, () => f.get(dstCol)).inc(s, () => f.get(srcCol));
    });
  }));
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function affineRows(): Fn {
  // params: src, dst, rows, vecBytes, rowStride, par — per row: dst = (src − m)·a + o, where
  // m, a, o are consecutive per-channel vectors at par (each rowStride bytes long).
  const f = new Fn([I32, I32, I32, I32, I32, I32], 'affineRows');
  const [src, dst, rows, vecBytes, rowStride, par] = [0, 1, 2, 3, 4, 5];
  const [r, cb, off] = [f.local(I32), f.local(I32), f.local(I32)];
  const vec = (base: number, extra = 0) => {
    f.get(base).get(cb).emit(op.i32Add);
    for (let i = 0; i < extra; i++) f.get(rowStride).emit(op.i32Add);
    return f.vload();
  };
  f.forLt(r, 0, rows, 1, () => {
    f.get(r).get(rowStride).emit(op.i32Mul).set(off);
    f.forLt(cb, 0, vecBytes, 16, () => {
      f.get(dst).get(off).emit(op.i32Add).get(cb).emit(op.i32Add);
      f.get(src).get(off).emit(op.i32Add).get(cb).emit(op.i32Add).vload();
      vec(par).v(simd.f32x4Sub);
      vec(par, 1).v(simd.f32x4Mul);
      vec(par, 2).v(simd.f32x4Add).vstore();
    });
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function strided4d(): Fn {
  // params: src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, cols, srcCol, dstCol,
  // vecBytes, add — dst[p,r,c,0..vecBytes) (+)= src[p,r,c,0..vecBytes), vecBytes a multiple of
  // 16: strided3d whose columns are vectors (a pixel's channels in NHWC), not single floats.
  const f = new Fn(new Array<number>(13).fill(I32), 'strided4d');
  const [src, dst, planes, srcPlane, dstPlane, rows, srcRow, dstRow, cols, srcCol, dstCol, vecBytes, add] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [p, r, c, b, s, d] = [0, 0, 0, 0, 0, 0].map(() => f.local(I32)) as [number, number, number, number, number, number];
  f.forLt(p, 0, planes, 1, () => f.forLt(r, 0, rows, 1, () => f.forLt(c, 0, cols, 1, () => {
    f.get(src).get(p).get(srcPlane).emit(op.i32Mul, op.i32Add).get(r).get(srcRow).emit(op.i32Mul, op.i32Add).get(c).get(srcCol).emit(op.i32Mul, op.i32Add).set(s);
    f.get(dst).get(p).get(dstPlane).emit(op.i32Mul, op.i32Add).get(r).get(dstRow).emit(op.i32Mul, op.i32Add).get(c).get(dstCol).emit(op.i32Mul, op.i32Add).set(d);
    f.get(add).emit(op.if, 0x40);
    f.forLt(b, 0, vecBytes, 16, () => {
      f.get(d).get(b).emit(op.i32Add);
      f.get(d).get(b).emit(op.i32Add).vload().get(s).get(b).emit(op.i32Add).vload().v(simd.f32x4Add).vstore();
    });
    f.emit(op.else);
    f.forLt(b, 0, vecBytes, 16, () => {
      f.get(d).get(b).emit(op.i32Add).get(s).get(b).emit(op.i32Add).vload().vstore();
    });
    f.emit(op.end);
  })));
  return f;
}

/**
 * dst[0..bytes) = 0, bytes a multiple of 4. Why not TypedArray.fill: on the threaded build's
 * shared memory V8 fills a view element by element, an order of magnitude slower than on
 * unshared memory (CHANGELOG.md).
 */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function zero(): Fn {
  const f = new Fn([I32, I32], 'zero');
  const [dst, bytes] = [0, 1];
  const [i, vecEnd, z] = [f.local(I32), f.local(I32), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(z);
  f.get(bytes).i32(-16).emit(op.i32And).set(vecEnd);
  f.forLt(i, 0, vecEnd, 16, () => f.get(dst).get(i).emit(op.i32Add).get(z).vstore());
  f.forLt(i, () => f.get(vecEnd), bytes, 4, () => f.get(dst).get(i).emit(op.i32Add).f32(0).emit(op.f32Store, 2, 0));
  return f;
}

/** Byte lanes of i8x16.shuffle picking float lanes `f` (0–3 of the first operand, 4–7 of the
 * second). */
const lanes = (...f: number[]) => f.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * dst = srcᵀ for a [rows, cols] float matrix, rows and cols multiples of 4, in 4×4 blocks
 * transposed in registers; row strides in bytes (dst's may be padded). Why: tfjs's Transpose
 * walks a power-of-two-wide matrix (a dense layer's 4,096 inputs) with all reads in one cache set,
 * several times slower than at 3,136 inputs (CHANGELOG.md). Column blocks outside, rows inside:
 * each pass writes 4 rows of dst in order and reads a strip of src that stays in L2.
 */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function transpose4(): Fn {
  const f = new Fn(new Array<number>(6).fill(I32), 'transpose4');
  const [src, dst, rows, cols, srcRow, dstRow] = [0, 1, 2, 3, 4, 5];
  const [i, j, ps, pd] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const r = Array.from({ length: 4 }, () => f.local(V128));
  const t = Array.from({ length: 4 }, () => f.local(V128));
  const shuffle = (a: number, b: number, l: number[], out: number) =>
    f.get(a).get(b).v(simd.i8x16Shuffle).emit(...lanes(...l)).set(out);
  f.forLt(j, 0, cols, 4, () => {
    f.get(src).get(j).i32(4).emit(op.i32Mul, op.i32Add).set(ps);
    f.get(dst).get(j).get(dstRow).emit(op.i32Mul, op.i32Add).set(pd);
    f.forLt(i, 0, rows, 4, () => {
      for (let q = 0; q < 4; q++) {
        f.get(ps);
        if (q > 0) f.get(srcRow).i32(q).emit(op.i32Mul, op.i32Add);
        f.vload().set(r[q]!);
      }
      // (a0 b0 a1 b1), (a2 b2 a3 b3), (c0 d0 c1 d1), (c2 d2 c3 d3), then the four columns.
      shuffle(r[0]!, r[1]!, [0, 4, 1, 5], t[0]!);
      shuffle(r[0]!, r[1]!, [2, 6, 3, 7], t[1]!);
      shuffle(r[2]!, r[3]!, [0, 4, 1, 5], t[2]!);
      shuffle(r[2]!, r[3]!, [2, 6, 3, 7], t[3]!);
      const cols4: Array<[number, number, number[]]> = [
        [t[0]!, t[2]!, [0, 1, 4, 5]],
        [t[0]!, t[2]!, [2, 3, 6, 7]],
        [t[1]!, t[3]!, [0, 1, 4, 5]],
        [t[1]!, t[3]!, [2, 3, 6, 7]],
      ];
      cols4.forEach(([a, b, l], q) => {
        f.get(pd);
        if (q > 0) f.get(dstRow).i32(q).emit(op.i32Mul, op.i32Add);
        f.get(a).get(b).v(simd.i8x16Shuffle).emit(...lanes(...l)).vstore();
      });
      f.inc(ps, () => f.get(srcRow).i32(4).emit(op.i32Mul)).inc(pd, () => f.i32(16));
    });
  });
  return f;
}
