/**
 * The transforms of Winograd F(m×m,3×3) (winograd.ts, winogradTiles.ts) as wasm built by
 * wasmAsm.ts, 4 channels per f32x4, generated from the tile's matrices: the input transform
 * V = Bᵀ d B, the output transform Y = Aᵀ M A (+ bias, relu), the filter gradient's
 * output-gradient transform dM = A dY Aᵀ, and the two transforms of the filter itself
 * (planeTransform, at the end). The tile transforms walk the tiles in order (image, tile row,
 * tile column, channel block); entry (tile, channel block, k) of the α² transformed matrices is
 * at tile·tileStride + k·kStride + the block's bytes, so that a caller can lay them out as α²
 * matrices [tiles, C] (tileStride = C floats) or interleaved [tiles, α², C] (kStride = C
 * floats). Pointers and strides are in bytes; C is a multiple of 4 (callers pad).
 *
 * Coefficients of ±1 become adds and subtracts and 0 nothing, so F(2×2)'s transforms are the
 * additions alone; others multiply by a splatted constant.
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';
import { transpose, type WinogradTile } from './winogradTiles';

const f32x4Pmax = 0xeb,
  f32x4Neg = 0xe1;

type Tuple<N extends number, T extends number[] = []> = T['length'] extends N
  ? T
  : Tuple<N, [...T, number]>;
/** k new i32 locals (typed as a k-tuple, so that they destructure without undefined). */
const ints = <N extends number>(f: Fn, k: N) =>
  Array.from({ length: k }, () => f.local(I32)) as Tuple<N>;

/** Pushes Σ_i c[i]·x[i] (locals x) onto the stack; `scale` gives a local holding splat(|c|). */
function combination(f: Fn, c: number[], x: number[], scale: (v: number) => number): void {
  const terms = c.map((v, i) => [v, x[i]!] as const).filter(([v]) => v !== 0);
  // A positive term first, so that the sum starts without a negation where it can.
  terms.sort(([a], [b]) => Number(b > 0) - Number(a > 0));
  terms.forEach(([v, local], i) => {
    f.get(local);
    if (Math.abs(v) !== 1) f.get(scale(Math.abs(v))).v(simd.f32x4Mul);
    if (i === 0) {
      if (v < 0) f.v(f32x4Neg);
    } else f.v(v > 0 ? simd.f32x4Add : simd.f32x4Sub);
  });
}

/** Locals holding splat(v) for each |coefficient| other than 0 and 1 in the matrices. */
function constants(f: Fn, ...matrices: number[][][]): (v: number) => number {
  const map = new Map<number, number>();
  for (const v of matrices.flat(2).map(Math.abs))
    if (v !== 0 && v !== 1 && !map.has(v)) {
      const local = f.local(V128);
      f.f32(v).v(simd.f32x4Splat).set(local);
      map.set(v, local);
    }
  return (v) => map.get(v)!;
}

/** One 1-D transform y = L·x over locals x: out(k, value) consumes y_k, value() pushing it. */
type Line = (x: number[], out: (k: number, value: () => void) => void) => void;

/** L·x straight from the matrix: F(2×2)'s ±1 matrices need nothing more. */
const matrixLine =
  (f: Fn, l: number[][], scale: (v: number) => number): Line =>
  (x, out) =>
    l.forEach((row, k) => out(k, () => combination(f, row, x, scale)));

/**
 * F(4×4)'s three 1-D transforms with their shared sums computed once (Lavin & Gray's factoring):
 * 21, 13 and 11 vector operations instead of the 28, 20 and 18 of the plain matrix products.
 * Each equals the matrix in winogradTiles.ts (winograd.test.ts checks the whole convolution).
 */
function f4Lines(f: Fn): { bt: Line; at: Line; a: Line } {
  const v = () => f.local(V128);
  const [t0, t1, t2, t3] = [v(), v(), v(), v()];
  const k = (c: number) => {
    const local = v();
    f.f32(c).v(simd.f32x4Splat).set(local);
    return local;
  };
  const [two, four, five, eight] = [k(2), k(4), k(5), k(8)];
  const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd;
  const g = (...ls: number[]) => {
    ls.forEach((l) => f.get(l));
    return f;
  };
  const bt: Line = (x, out) => {
    const [x0, x1, x2, x3, x4, x5] = x as [number, number, number, number, number, number];
    out(0, () => g(x4, x2, five).v(mul).v(sub).get(x0).get(four).v(mul).v(add));
    g(x3, x4).v(add).set(t0).get(x1).get(x2).v(add).set(t1); // x3 + x4, x1 + x2
    out(1, () => g(t0, t1, four).v(mul).v(sub));
    g(x4, x3).v(sub).set(t0).get(x1).get(x2).v(sub).set(t1); // x4 − x3, x1 − x2
    out(2, () => g(t0, t1, four).v(mul).v(add));
    g(x4, x2).v(sub).set(t0).get(x3).get(x1).v(sub).get(two).v(mul).set(t1); // x4 − x2, 2(x3 − x1)
    out(3, () => g(t0, t1).v(add));
    out(4, () => g(t0, t1).v(sub));
    out(5, () => g(x5, x3, five).v(mul).v(sub).get(x1).get(four).v(mul).v(add));
  };
  const at: Line = (x, out) => {
    const [x0, x1, x2, x3, x4, x5] = x as [number, number, number, number, number, number];
    g(x1, x2).v(add).set(t0).get(x1).get(x2).v(sub).set(t1); // s1, d1
    g(x3, x4).v(add).set(t2).get(x3).get(x4).v(sub).set(t3); // s2, d2
    out(0, () => g(x0, t0).v(add).get(t2).v(add));
    out(1, () => g(t1, t3, two).v(mul).v(add));
    out(2, () => g(t0, t2, four).v(mul).v(add));
    out(3, () => g(t1, t3, eight).v(mul).v(add).get(x5).v(add));
  };
  const a: Line = (x, out) => {
    const [x0, x1, x2, x3] = x as [number, number, number, number];
    g(x0, x2).v(add).set(t0).get(x1).get(x3).v(add).set(t1); // even, odd
    g(x2, four).v(mul).get(x0).v(add).set(t2); // x0 + 4x2
    g(x1, two).v(mul).get(x3).get(eight).v(mul).v(add).set(t3); // 2x1 + 8x3
    out(0, () => g(x0));
    out(1, () => g(t0, t1).v(add));
    out(2, () => g(t0, t1).v(sub));
    out(3, () => g(t2, t3).v(add));
    out(4, () => g(t2, t3).v(sub));
    out(5, () => g(x3));
  };
  return { bt, at, a };
}

/** The 1-D transform for matrix l of tile t: factored for F(4×4), from the matrix for F(2×2). */
function lineFor(f: Fn, t: WinogradTile, which: 'bt' | 'at' | 'a'): Line {
  if (t.m === 4) return f4Lines(f)[which];
  const l = which === 'bt' ? t.bt : which === 'at' ? t.at : transpose(t.at);
  return matrixLine(f, l, constants(f, l));
}

/**
 * L·T·Lᵀ of a p×p tile of vectors (L: q×p), rows first: load(i, j) pushes T[i][j]'s address and
 * store(i, j, value) stores output (i, j), value() pushing it; both are called in row-major
 * order, so that callers can walk a pointer.
 */
function tileTransform(
  f: Fn,
  line: Line,
  p: number,
  q: number,
  load: (i: number, j: number) => void,
  store: (i: number, j: number, value: () => void) => void,
): void {
  const x = Array.from({ length: p }, () => f.local(V128));
  const y = Array.from({ length: q }, () => f.local(V128));
  // Row i of T·Lᵀ at t[i·q…], then (L·T·Lᵀ)'s rows in place: max(p, q) rows of q.
  const t = Array.from({ length: Math.max(p, q) * q }, () => f.local(V128));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      load(i, j);
      f.vload().set(x[j]!);
    }
    line(x, (k, value) => {
      value();
      f.set(t[i * q + k]!);
    });
  }
  for (let j = 0; j < q; j++) {
    const column = Array.from({ length: p }, (_, i) => t[i * q + j]!);
    // Outputs (·, j) come column by column; buffer them so that stores stay row-major.
    line(column, (i, value) => {
      value();
      f.set(y[i]!);
    });
    for (let i = 0; i < q; i++) f.get(y[i]!).set(t[i * q + j]!);
  }
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) store(i, j, () => f.get(t[i * q + j]!));
}

/** Pushes the address of pixel (i, j) of a tile at `base`, the pixels visited in row-major
 * order: two running pointers (row, pixel), so the loop holds no per-pixel offsets. */
function pixelWalk(f: Fn, base: number, rowBytes: number, cBytes: number) {
  const [row, pixel] = [f.local(I32), f.local(I32)];
  return (i: number, j: number) => {
    if (j > 0) f.get(pixel).get(cBytes).emit(op.i32Add).tee(pixel);
    else {
      if (i === 0) f.get(base);
      else f.get(row).get(rowBytes).emit(op.i32Add);
      f.tee(row).tee(pixel);
    }
  };
}

/** Pushes the address of matrix k's entry for tile offset o and channel block cb, k visited in
 * order 0, 1, 2, … */
function matrixWalk(f: Fn, base: number, kStride: number, o: number, cb: number) {
  const at = f.local(I32);
  return (k: number) => {
    if (k === 0) f.get(base).get(o).emit(op.i32Add).get(cb).emit(op.i32Add);
    else f.get(at).get(kStride).emit(op.i32Add);
    f.tee(at);
  };
}

/**
 * A loop over tiles that reads a p×p tile at each m-pixel step of a source image and writes
 * the α² values of L·tile·Lᵀ to α² matrices (k = α·row + col).
 * params: src, dst, kStride, tileStride, images, tileRows, tileCols, rowBytes, imageBytes, cBytes.
 */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
function tilesToMatrices(name: string, t: WinogradTile, which: 'bt' | 'a'): Fn {
  const f = new Fn(new Array<number>(10).fill(I32), name);
  const [src, dst, kStride, tileStride, images, tileRows, tileCols, rowBytes, imageBytes, cBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [p, q, m] = [which === 'bt' ? t.alpha : t.m, t.alpha, t.m];
  const [n, ty, tx, cb, o, row, ptr, tileRow, tileCol] = ints(f, 9);
  f.get(rowBytes).i32(m).emit(op.i32Mul).set(tileRow).get(cBytes).i32(m).emit(op.i32Mul).set(tileCol);
  const line = lineFor(f, t, which);
  const pixel = pixelWalk(f, ptr, rowBytes, cBytes), matrix = matrixWalk(f, dst, kStride, o, cb);
  f.i32(0).set(o);
  f.forLt(n, 0, images, 1, () => f.forLt(ty, 0, tileRows, 1, () => {
    f.get(src).get(n).get(imageBytes).emit(op.i32Mul, op.i32Add).get(ty).get(tileRow).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(tx, 0, tileCols, 1, () => { f.forLt(cb, 0, cBytes, 16, () => {
      f.get(row).get(tx).get(tileCol).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(ptr);
      tileTransform(f, line, p, q, pixel, (i, j, value) => { matrix(q * i + j); value(); f.vstore(); });
    }); f.inc(o, () => f.get(tileStride)); });
  }));
  return f;
}

/** Per input tile d and channel block: V_k = (Bᵀ d B)_k, k = α·row + col. Params as above. */
export const winoIn = (t: WinogradTile): Fn => tilesToMatrices(`winoIn${t.m}`, t, 'bt');

/**
 * The output-gradient transform of the Winograd filter gradient (winogradFilterGrad.ts): per m×m
 * tile of dY and channel block, dM_k = (A dY Aᵀ)_k with A = (Aᵀ)ᵀ. Params as winoIn (src: the
 * tile-aligned dY).
 */
export const winoDy = (t: WinogradTile): Fn => tilesToMatrices(`winoDy${t.m}`, t, 'a');

/**
 * Per tile and channel block: the m×m outputs Aᵀ M A + bias (then max(·,0) if relu).
 * params: src, kStride, tileStride, dst, bias, images, tileRows, tileCols, rowBytes, imageBytes,
 * cBytes.
 */
// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function winoOut(t: WinogradTile, relu: boolean): Fn {
  const f = new Fn(new Array<number>(11).fill(I32), `winoOut${t.m}${relu ? 'Relu' : ''}`);
  const [src, kStride, tileStride, dst, bias, images, tileRows, tileCols, rowBytes, imageBytes, cBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [a, m] = [t.alpha, t.m];
  const [n, ty, tx, cb, o, row, ptr, tileRow, tileCol] = ints(f, 9);
  const [bv, zero] = [f.local(V128), f.local(V128)];
  f.get(rowBytes).i32(m).emit(op.i32Mul).set(tileRow).get(cBytes).i32(m).emit(op.i32Mul).set(tileCol);
  f.f32(0).v(simd.f32x4Splat).set(zero);
  const line = lineFor(f, t, 'at');
  const pixel = pixelWalk(f, ptr, rowBytes, cBytes), matrix = matrixWalk(f, src, kStride, o, cb);
  f.i32(0).set(o);
  f.forLt(n, 0, images, 1, () => f.forLt(ty, 0, tileRows, 1, () => {
    f.get(dst).get(n).get(imageBytes).emit(op.i32Mul, op.i32Add).get(ty).get(tileRow).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(tx, 0, tileCols, 1, () => { f.forLt(cb, 0, cBytes, 16, () => {
      f.get(row).get(tx).get(tileCol).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(ptr);
      f.get(bias).get(cb).emit(op.i32Add).vload().set(bv);
      tileTransform(f, line, a, m, (i, j) => matrix(a * i + j), (i, j, value) => {
        pixel(i, j);
        value();
        f.get(bv).v(simd.f32x4Add);
        // pmax(y, 0) = y < 0 ? 0 : y: NaN and −0 pass through, as in the cpu backend's relu.
        if (relu) f.get(zero).v(f32x4Pmax);
        f.vstore();
      });
    }); f.inc(o, () => f.get(tileStride)); });
  }));
  return f;
}

/**
 * L·T·Lᵀ over a p×p grid of planes T (L: q×p), 4 entries of a plane per f32x4: the filter
 * transform U = G g Gᵀ (L = G: the 9 taps to α² planes over the channel pairs) and the filter
 * gradient's dW = Gᵀ S G (L = Gᵀ: α² planes to 9). In wasm rather than JS because they run on
 * the calling thread alone, between the threaded passes, once per convolution call.
 * Plane (i, j) of the input is at src + (p·i + j)·srcK, output plane (i, j) at dst + (q·i + j)·dstK;
 * each plane has `rows` rows of colBytes (a multiple of 16), srcRow / dstRow bytes apart.
 * params: src, srcK, dst, dstK, rows, colBytes, srcRow, dstRow.
 */
// Laid out by hand, one wasm operation group per line (see tilesToMatrices).
// prettier-ignore
export function planeTransform(name: string, l: number[][]): Fn {
  const f = new Fn(new Array<number>(8).fill(I32), name);
  const [src, srcK, dst, dstK, rows, colBytes, srcRow, dstRow] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [q, p] = [l.length, l[0]!.length];
  const [r, cb, from, to] = ints(f, 4);
  const line = matrixLine(f, l, constants(f, l));
  const plane = (base: number, stride: number, k: number) => {
    f.get(base);
    if (k > 0) f.get(stride).i32(k).emit(op.i32Mul, op.i32Add);
  };
  f.forLt(r, 0, rows, 1, () => f.forLt(cb, 0, colBytes, 16, () => {
    f.get(src).get(r).get(srcRow).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(from);
    f.get(dst).get(r).get(dstRow).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add).set(to);
    tileTransform(f, line, p, q, (i, j) => plane(from, srcK, p * i + j), (i, j, value) => {
      plane(to, dstK, q * i + j);
      value();
      f.vstore();
    });
  }));
  return f;
}

/** U = G g Gᵀ for tile t (winograd.ts's filter transform). */
export const winoFilter = (t: WinogradTile): Fn => planeTransform(`winoFilter${t.m}`, t.g);

/** dW = Gᵀ S G for tile t (winogradFilterGrad.ts). */
export const winoFilterGrad = (t: WinogradTile): Fn =>
  planeTransform(`winoFilterGrad${t.m}`, transpose(t.g));
