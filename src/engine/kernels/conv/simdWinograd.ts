/**
 * The input and output transforms of Winograd F(2×2,3×3) (winograd.ts), as wasm built by
 * wasmAsm.ts, 4 channels per f32x4. Both walk the tiles in order (image, tile row, tile column,
 * channel block), so the offset into the 16 transformed matrices ([tiles, C] each) just advances
 * by 16 bytes per step. The 16 matrices are separate tensors (each one GEMM operand), hence 16
 * pointer parameters. Pointers and strides are in bytes; C is a multiple of 4 (callers pad).
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

const f32x4Pmax = 0xeb,
  f32x4Neg = 0xe1;

/** Per 4×4 input tile d and channel block: V_k = (Bᵀ d B)_k, k = 4·row + col. */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function winoIn(): Fn {
  // params: src, dst0..dst15, images, tileRows, tileCols, rowBytes, imageBytes, cBytes
  const f = new Fn(new Array<number>(23).fill(I32), 'winoIn');
  const src = 0, dst = (k: number) => 1 + k;
  const [images, tileRows, tileCols, rowBytes, imageBytes, cBytes] = [17, 18, 19, 20, 21, 22];
  const ints = (k: number) => Array.from({ length: k }, () => f.local(I32));
  const [n, ty, tx, cb, o, row, p, c2, c3, r2, r3] = ints(11) as [number, number, number, number, number, number, number, number, number, number, number];
  const x = Array.from({ length: 4 }, () => f.local(V128));
  const t = Array.from({ length: 16 }, () => f.local(V128));
  const rOff = [-1, rowBytes, r2, r3], cOff = [-1, cBytes, c2, c3];
  f.get(cBytes).i32(2).emit(op.i32Mul).set(c2).get(cBytes).i32(3).emit(op.i32Mul).set(c3);
  f.get(rowBytes).i32(2).emit(op.i32Mul).set(r2).get(rowBytes).i32(3).emit(op.i32Mul).set(r3);
  f.i32(0).set(o);
  // d·B then Bᵀ·(d·B): each is, per line a,b,c,d of four values: a−c, b+c, c−b, b−d.
  const line = (a: number, b: number, c: number, d: number, out: (k: number, v: () => void) => void) => {
    out(0, () => f.get(a).get(c).v(simd.f32x4Sub));
    out(1, () => f.get(b).get(c).v(simd.f32x4Add));
    out(2, () => f.get(c).get(b).v(simd.f32x4Sub));
    out(3, () => f.get(b).get(d).v(simd.f32x4Sub));
  };
  f.forLt(n, 0, images, 1, () => f.forLt(ty, 0, tileRows, 1, () => {
    f.get(src).get(n).get(imageBytes).emit(op.i32Mul, op.i32Add).get(ty).get(r2).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(tx, 0, tileCols, 1, () => f.forLt(cb, 0, cBytes, 16, () => {
      f.get(row).get(tx).get(c2).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(p);
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 4; i++) {
          f.get(p);
          if (i > 0) f.get(rOff[i]!).emit(op.i32Add);
          if (j > 0) f.get(cOff[j]!).emit(op.i32Add);
          f.vload().set(x[i]!);
        }
        line(x[0]!, x[1]!, x[2]!, x[3]!, (k, v) => { v(); f.set(t[4 * k + j]!); });
      }
      for (let i = 0; i < 4; i++) {
        line(t[4 * i]!, t[4 * i + 1]!, t[4 * i + 2]!, t[4 * i + 3]!, (k, v) => {
          f.get(dst(4 * i + k)).get(o).emit(op.i32Add);
          v();
          f.vstore();
        });
      }
      f.inc(o, () => f.i32(16));
    }));
  }));
  return f;
}

/** Per tile and channel block: the 2×2 outputs Aᵀ M A + bias (then max(·,0) if relu). */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function winoOut(relu: boolean): Fn {
  // params: src0..src15, dst, bias, images, tileRows, tileCols, rowBytes, imageBytes, cBytes
  const f = new Fn(new Array<number>(24).fill(I32), relu ? 'winoOutRelu' : 'winoOut');
  const [dst, bias, images, tileRows, tileCols, rowBytes, imageBytes, cBytes] = [16, 17, 18, 19, 20, 21, 22, 23];
  const [n, ty, tx, cb, o, row, p, c2] = Array.from({ length: 8 }, () => f.local(I32)) as [number, number, number, number, number, number, number, number];
  const m = Array.from({ length: 4 }, () => f.local(V128));
  const u = Array.from({ length: 8 }, () => f.local(V128));
  const [bv, zero] = [f.local(V128), f.local(V128)];
  f.get(cBytes).i32(2).emit(op.i32Mul).set(c2);
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.i32(0).set(o);
  // Aᵀ per line a,b,c,d: a+b+c and b−c−d.
  const line = (a: number, b: number, c: number, d: number, out: (k: number, v: () => void) => void) => {
    out(0, () => f.get(a).get(b).v(simd.f32x4Add).get(c).v(simd.f32x4Add));
    out(1, () => f.get(b).get(c).v(simd.f32x4Sub).get(d).v(simd.f32x4Sub));
  };
  f.forLt(n, 0, images, 1, () => f.forLt(ty, 0, tileRows, 1, () => {
    f.get(dst).get(n).get(imageBytes).emit(op.i32Mul, op.i32Add).get(ty).get(rowBytes).emit(op.i32Mul).i32(2).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(tx, 0, tileCols, 1, () => f.forLt(cb, 0, cBytes, 16, () => {
      f.get(row).get(tx).get(c2).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(p);
      for (let j = 0; j < 4; j++) {
        for (let i = 0; i < 4; i++) f.get(4 * i + j).get(o).emit(op.i32Add).vload().set(m[i]!);
        line(m[0]!, m[1]!, m[2]!, m[3]!, (k, v) => { v(); f.set(u[4 * k + j]!); });
      }
      f.get(bias).get(cb).emit(op.i32Add).vload().set(bv);
      for (let i = 0; i < 2; i++) {
        line(u[4 * i]!, u[4 * i + 1]!, u[4 * i + 2]!, u[4 * i + 3]!, (k, v) => {
          f.get(p);
          if (i > 0) f.get(rowBytes).emit(op.i32Add);
          if (k > 0) f.get(cBytes).emit(op.i32Add);
          v();
          f.get(bv).v(simd.f32x4Add);
          // pmax(y, 0) = y < 0 ? 0 : y: NaN and −0 pass through, as in the cpu backend's relu.
          if (relu) f.get(zero).v(f32x4Pmax);
          f.vstore();
        });
      }
      f.inc(o, () => f.i32(16));
    }));
  }));
  return f;
}

/**
 * The output-gradient transform of the Winograd filter gradient (winogradFilterGrad.ts): per 2×2
 * tile of dY and channel block, dM_k = (A dY Aᵀ)_k, k = 4·row + col, with A = Aᵀᵀ, Aᵀ as in
 * winoOut. Same walk and parameters as winoIn (src: the tile-aligned dY, rowBytes/imageBytes of
 * it; each tile starts 2 pixels after the previous one).
 */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function winoDy(): Fn {
  const f = new Fn(new Array<number>(23).fill(I32), 'winoDy');
  const src = 0, dst = (k: number) => 1 + k;
  const [images, tileRows, tileCols, rowBytes, imageBytes, cBytes] = [17, 18, 19, 20, 21, 22];
  const [n, ty, tx, cb, o, row, p, c2, r2] = Array.from({ length: 9 }, () => f.local(I32)) as [number, number, number, number, number, number, number, number, number];
  const [a, b, c, d, u, v] = Array.from({ length: 6 }, () => f.local(V128)) as [number, number, number, number, number, number];
  f.get(cBytes).i32(2).emit(op.i32Mul).set(c2);
  f.get(rowBytes).i32(2).emit(op.i32Mul).set(r2);
  f.i32(0).set(o);
  const store = (k: number, value: () => void) => {
    f.get(dst(k)).get(o).emit(op.i32Add);
    value();
    f.vstore();
  };
  f.forLt(n, 0, images, 1, () => f.forLt(ty, 0, tileRows, 1, () => {
    f.get(src).get(n).get(imageBytes).emit(op.i32Mul, op.i32Add).get(ty).get(r2).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(tx, 0, tileCols, 1, () => f.forLt(cb, 0, cBytes, 16, () => {
      f.get(row).get(tx).get(c2).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(p);
      // dY tile [[a, b], [c, d]].
      f.get(p).vload().set(a);
      f.get(p).get(cBytes).emit(op.i32Add).vload().set(b);
      f.get(p).get(rowBytes).emit(op.i32Add).vload().set(c);
      f.get(p).get(rowBytes).emit(op.i32Add).get(cBytes).emit(op.i32Add).vload().set(d);
      // Rows of A·dY: [a, b], [a+c, b+d], [a−c, b−d], [−c, −d]; each row [u, v]·Aᵀ is
      // [u, u+v, u−v, −v].
      const rows: Array<() => void> = [
        () => f.get(a).set(u).get(b).set(v),
        () => f.get(a).get(c).v(simd.f32x4Add).set(u).get(b).get(d).v(simd.f32x4Add).set(v),
        () => f.get(a).get(c).v(simd.f32x4Sub).set(u).get(b).get(d).v(simd.f32x4Sub).set(v),
        () => f.get(c).v(f32x4Neg).set(u).get(d).v(f32x4Neg).set(v),
      ];
      rows.forEach((load, i) => {
        load();
        store(4 * i, () => f.get(u));
        store(4 * i + 1, () => f.get(u).get(v).v(simd.f32x4Add));
        store(4 * i + 2, () => f.get(u).get(v).v(simd.f32x4Sub));
        store(4 * i + 3, () => f.get(v).v(f32x4Neg));
      });
      f.inc(o, () => f.i32(16));
    }));
  }));
  return f;
}
