/**
 * Element-wise SIMD loops (wasm built by wasmAsm.ts) behind elementwise.ts: the fused ReLU
 * gradient, ReLU, and row-wise add/multiply (same shape, or a [C] vector broadcast over rows).
 * Each is one streaming pass; the stock kernels need two (Step then Multiply for the gradient)
 * or walk broadcast indices element by element. Pointers and lengths are in bytes; vector loops
 * go 4 floats at a time and the callers finish the last 0–3 floats of a row in JS (float32
 * +, × and compares done in float64 then rounded are bit-exact).
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function reluGrad(): Fn {
  // params: dy, x, out, bytes — out = dy · s with s = 1 where x > 0, NaN where x is NaN, else 0:
  // the same multiply as tfjs's mul(dy, step(x)), so −0, NaN and ∞·0 come out identically.
  const f = new Fn([I32, I32, I32, I32], 'reluGrad');
  const [dy, x, out, bytes] = [0, 1, 2, 3];
  const [i, xv, one, zero] = [f.local(I32), f.local(V128), f.local(V128), f.local(V128)];
  f.f32(1).v(simd.f32x4Splat).set(one);
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(i, 0, bytes, 16, () => {
    f.get(out).get(i).emit(op.i32Add);
    f.get(dy).get(i).emit(op.i32Add).vload();
    f.get(x).get(i).emit(op.i32Add).vload().set(xv);
    // step = x > 0 ? 1 : 0, then x itself where x ≠ x (NaN).
    f.get(xv).get(one).get(zero).get(xv).get(zero).v(simd.f32x4Gt).v(simd.bitselect);
    f.get(xv).get(xv).v(simd.f32x4Ne).v(simd.bitselect);
    f.v(simd.f32x4Mul).vstore();
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function relu(): Fn {
  // params: x, out, bytes — out = max(x, 0): wasm's max gives +0 for −0 and NaN for NaN, like
  // the stock kernels (cpu and wasm).
  const f = new Fn([I32, I32, I32], 'relu');
  const [x, out, bytes] = [0, 1, 2];
  const [i, zero] = [f.local(I32), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(i, 0, bytes, 16, () => {
    f.get(out).get(i).emit(op.i32Add);
    f.get(x).get(i).emit(op.i32Add).vload().get(zero).v(simd.f32x4Max).vstore();
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function binaryRows(name: 'addRows' | 'mulRows', opcode: number): Fn {
  // params: a, b, out, rows, vecBytes, rowBytes, bRowBytes — for each row r and byte c <
  // vecBytes: out[r·rowBytes + c] = a[r·rowBytes + c] ∘ b[r·bRowBytes + c] (bRowBytes 0: a
  // bias vector broadcast over the rows).
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32], name);
  const [a, b, out, rows, vecBytes, rowBytes, bRowBytes] = [0, 1, 2, 3, 4, 5, 6];
  const [r, c, off, boff] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  f.forLt(r, 0, rows, 1, () => {
    f.get(r).get(rowBytes).emit(op.i32Mul).set(off);
    f.get(b).get(r).get(bRowBytes).emit(op.i32Mul, op.i32Add).set(boff);
    f.forLt(c, 0, vecBytes, 16, () => {
      f.get(out).get(off).emit(op.i32Add).get(c).emit(op.i32Add);
      f.get(a).get(off).emit(op.i32Add).get(c).emit(op.i32Add).vload();
      f.get(boff).get(c).emit(op.i32Add).vload().v(opcode).vstore();
    });
  });
  return f;
}
