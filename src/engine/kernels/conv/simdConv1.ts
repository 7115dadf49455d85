/**
 * Direct SIMD loops for 3×3 stride-1 convolutions of a one-channel input (the first layer of the
 * cnn and vgg on Fashion-MNIST), as wasm built by wasmAsm.ts; conv1.ts calls them. With one input
 * channel a convolution is 9 multiply-adds per output value: too few for a GEMM to pay for its
 * im2col copy (forward and filter gradient) or for its 9 → 16 column padding and the col2im pass
 * (input gradient). Here every loop holds the 9 taps of one block of 4 output channels in
 * registers and walks the pixels once per block, reading a padded input (xp: the image with its
 * zero border, rows of xpRow bytes) so that no window needs clipping. All pointers and strides are
 * in bytes; counts in pixels. With `fma` (relaxedSimd.ts) each step is one relaxed_madd.
 */
import { Fn, I32, op, simd, V128 } from '../wasm/wasmAsm';

const RELAXED_MADD = 0x105;
const K = 3;

/** acc = a·b + acc on the stack order a, b, acc → acc. */
function madd(f: Fn, fma: boolean, a: () => void, b: number, acc: () => void): void {
  if (fma) {
    a();
    f.get(b);
    acc();
    f.v(RELAXED_MADD);
  } else {
    acc();
    a();
    f.get(b).v(simd.f32x4Mul).v(simd.f32x4Add);
  }
}

/** Pushes the address of tap t's block of 4 channels in a [3, 3, 1, co] array: base + t·cout + cb. */
function tapAt(f: Fn, base: number, t: number, cout: number, cb: number): Fn {
  return f.get(base).i32(t).get(cout).emit(op.i32Mul, op.i32Add).get(cb).emit(op.i32Add);
}

/** The three row pointers of a 3-row window, p_i = base + i·stride. */
function rowPointers(f: Fn, rows: number[], base: () => void, stride: number): void {
  base();
  f.set(rows[0]!);
  for (let i = 1; i < K; i++)
    f.get(rows[i - 1]!)
      .get(stride)
      .emit(op.i32Add)
      .set(rows[i]!);
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
/** out[y, x, c] = (relu)(bias[c] + Σ_{i,j} xp[y+i, x+j] · w[i, j, c]) for `images` images. */
export function conv1Fwd(fma: boolean, relu: boolean): Fn {
  // params: xp, w, bias, out, images, rows, cols, xpRow, xpImage, coutBytes
  const f = new Fn(new Array<number>(10).fill(I32), relu ? 'conv1FwdRelu' : 'conv1Fwd');
  const [xp, w, bias, out, images, rows, cols, xpRow, xpImage, cout] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [img, cb, y, x, po] = Array.from({ length: 5 }, () => f.local(I32)) as [number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const taps = Array.from({ length: K * K }, () => f.local(V128));
  const [b, acc, zero] = [f.local(V128), f.local(V128), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(cb, 0, cout, 16, () => {
      for (let t = 0; t < K * K; t++) tapAt(f, w, t, cout, cb).vload().set(taps[t]!);
      f.get(bias).get(cb).emit(op.i32Add).vload().set(b);
      f.get(out).get(cb).emit(op.i32Add).set(po);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(xp).get(y).get(xpRow).emit(op.i32Mul, op.i32Add), xpRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(b).set(acc);
          for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
            madd(f, fma, () => f.get(pr[i]!).v(simd.load32Splat).emit(2, 4 * j), taps[i * K + j]!, () => f.get(acc));
            f.set(acc);
          }
          f.get(po);
          if (relu) f.get(acc).get(zero).v(simd.f32x4Max);
          else f.get(acc);
          f.vstore();
          f.inc(po, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(4));
        });
      });
    });
    f.inc(xp, () => f.get(xpImage)).inc(out, () => f.get(rows).get(cols).emit(op.i32Mul).get(cout).emit(op.i32Mul));
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
/**
 * dw[i, j, c] += Σ_{images, y, x} xp[y+i, x+j] · dy[y, x, c] for the channel blocks
 * [cb0, cb1) (bytes): one block's 9 sums stay in registers over an image; images in order, then
 * pixels in order, so the sums do not depend on how blocks are shared among threads.
 */
export function conv1FilterGrad(fma: boolean): Fn {
  // params: xp, dy, dw, images, rows, cols, xpRow, xpImage, coutBytes, cb0, cb1
  const f = new Fn(new Array<number>(11).fill(I32), 'conv1Dw');
  const [xp, dy, dw, images, rows, cols, xpRow, xpImage, cout, cb0, cb1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [img, cb, y, x, pd] = Array.from({ length: 5 }, () => f.local(I32)) as [number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const acc = Array.from({ length: K * K }, () => f.local(V128));
  const g = f.local(V128);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(cb, () => f.get(cb0), cb1, 16, () => {
      for (let t = 0; t < K * K; t++) tapAt(f, dw, t, cout, cb).vload().set(acc[t]!);
      f.get(dy).get(cb).emit(op.i32Add).set(pd);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(xp).get(y).get(xpRow).emit(op.i32Mul, op.i32Add), xpRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(pd).vload().set(g);
          for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
            const a = acc[i * K + j]!;
            madd(f, fma, () => f.get(pr[i]!).v(simd.load32Splat).emit(2, 4 * j), g, () => f.get(a));
            f.set(a);
          }
          f.inc(pd, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(4));
        });
      });
      for (let t = 0; t < K * K; t++) tapAt(f, dw, t, cout, cb).get(acc[t]!).vstore();
    });
    f.inc(xp, () => f.get(xpImage)).inc(dy, () => f.get(rows).get(cols).emit(op.i32Mul).get(cout).emit(op.i32Mul));
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
/**
 * dx[y, x] = Σ_{i,j,c} dy[y−i+pt, x−j+pl, c] · w[i, j, c], as a scatter: every dy pixel adds
 * dy[·, block] ⊙ w[i, j, block] into the 4-lane partial sums s[y+i, x+j] of a padded scratch (one
 * per image, rows of sRow = (cols + 2)·16 bytes, zeroed here), block after block; then each input
 * pixel's 4 lanes are added. rows/cols are dy's; inRows/inCols, pt, pl the input's size and pads.
 */
export function conv1InputGrad(fma: boolean): Fn {
  // params: dy, w, s, dx, images, rows, cols, sRow, sImage, coutBytes, inRows, inCols, pt, pl
  const f = new Fn(new Array<number>(14).fill(I32), 'conv1Dx');
  const [dy, w, s, dx, images, rows, cols, sRow, sImage, cout, inRows, inCols, pt, pl] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [img, cb, y, x, pd, i0] = Array.from({ length: 6 }, () => f.local(I32)) as [number, number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const taps = Array.from({ length: K * K }, () => f.local(V128));
  const [g, zero, v] = [f.local(V128), f.local(V128), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(i0, 0, sImage, 16, () => { f.get(s).get(i0).emit(op.i32Add).get(zero).vstore(); });
    f.forLt(cb, 0, cout, 16, () => {
      for (let t = 0; t < K * K; t++) tapAt(f, w, t, cout, cb).vload().set(taps[t]!);
      f.get(dy).get(cb).emit(op.i32Add).set(pd);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(s).get(y).get(sRow).emit(op.i32Mul, op.i32Add), sRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(pd).vload().set(g);
          for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
            f.get(pr[i]!);
            madd(f, fma, () => f.get(g), taps[i * K + j]!, () => f.get(pr[i]!).v(simd.load).emit(0, 16 * j));
            f.v(simd.store).emit(0, 16 * j);
          }
          f.inc(pd, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(16));
        });
      });
    });
    // dx[y, x] = the 4 lanes of s[y + pt, x + pl], added pairwise.
    f.forLt(y, 0, inRows, 1, () => {
      f.get(s).get(y).get(pt).emit(op.i32Add).get(sRow).emit(op.i32Mul, op.i32Add).get(pl).i32(16).emit(op.i32Mul, op.i32Add).set(pr[0]!);
      f.forLt(x, 0, inCols, 1, () => {
        f.get(pr[0]!).vload().set(v);
        f.get(dx);
        f.get(v).v(simd.extractLane).emit(0).get(v).v(simd.extractLane).emit(1).emit(op.f32Add);
        f.get(v).v(simd.extractLane).emit(2).get(v).v(simd.extractLane).emit(3).emit(op.f32Add);
        f.emit(op.f32Add, op.f32Store, 2, 0);
        f.inc(dx, () => f.i32(4)).inc(pr[0]!, () => f.i32(16));
      });
    });
    f.inc(s, () => f.get(sImage)).inc(dy, () => f.get(rows).get(cols).emit(op.i32Mul).get(cout).emit(op.i32Mul));
  });
  return f;
}
