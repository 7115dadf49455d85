/**
 * Direct SIMD loops for 3×3 stride-1 convolutions of an input of `ch` channels, one loop per
 * channel count (1: grey images, the first layer of the cnn and vgg on Fashion-MNIST; 3: RGB), as
 * wasm built by wasmAsm.ts; conv1.ts calls them. A first layer is 9·ch multiply-adds per output
 * value: too few for a GEMM to pay for its im2col copy (forward and filter gradient) or for
 * Winograd's transforms over an output padded from ch to 8 channels (input gradient). Here every
 * loop holds the 9·ch taps of one block of 4 output channels (in registers, or spilled by the
 * compiler where 27 do not fit) and walks the pixels once per block, reading a padded input (xp:
 * the image with its zero border, rows of xpRow bytes, pixels of ch floats) so that no window
 * needs clipping. All pointers and strides are in bytes; counts in pixels. With `fma`
 * (relaxedSimd.ts) each step is one relaxed_madd.
 */
import { Fn, I32, memarg, op, simd, V128 } from '../wasm/wasmAsm';

const RELAXED_MADD = 0x105;

/**
 * The input channel counts each pass has loops for. Three channels only for the input gradient:
 * there the loop beat Winograd over an output padded from 3 to 8 channels, but with 27 taps the
 * forward and the filter gradient spill and lost to XNNPACK's convolution and the im2col GEMM
 * (the timings are in CHANGELOG.md).
 */
export const CONV1_CHANNELS = { forward: [1], filter: [1], input: [1, 3] } as const;
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

/** Pushes the address of tap t's block of 4 channels in a [3, 3, ch, co] array (t = (3i + j)·ch +
 * c): base + t·cout + cb. */
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
/** out[y, x, q] = (relu)(bias[q] + Σ_{i,j,c} xp[y+i, x+j, c] · w[i, j, c, q]) for `images` images. */
export function conv1Fwd(fma: boolean, relu: boolean, ch: number): Fn {
  // params: xp, w, bias, out, images, rows, cols, xpRow, xpImage, coutBytes
  const f = new Fn(new Array<number>(10).fill(I32), `conv1Fwd${ch}${relu ? 'Relu' : ''}`);
  const T = K * K * ch;
  const [xp, w, bias, out, images, rows, cols, xpRow, xpImage, cout] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [img, cb, y, x, po] = Array.from({ length: 5 }, () => f.local(I32)) as [number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const taps = Array.from({ length: T }, () => f.local(V128));
  const [b, acc, zero] = [f.local(V128), f.local(V128), f.local(V128)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(cb, 0, cout, 16, () => {
      for (let t = 0; t < T; t++) tapAt(f, w, t, cout, cb).vload().set(taps[t]!);
      f.get(bias).get(cb).emit(op.i32Add).vload().set(b);
      f.get(out).get(cb).emit(op.i32Add).set(po);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(xp).get(y).get(xpRow).emit(op.i32Mul, op.i32Add), xpRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(b).set(acc);
          for (let i = 0; i < K; i++) for (let j = 0; j < K * ch; j++) {
            madd(f, fma, () => f.get(pr[i]!).v(simd.load32Splat).emit(...memarg(2, 4 * j)), taps[i * K * ch + j]!, () => f.get(acc));
            f.set(acc);
          }
          f.get(po);
          if (relu) f.get(acc).get(zero).v(simd.f32x4Max);
          else f.get(acc);
          f.vstore();
          f.inc(po, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(4 * ch));
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
 * dw[i, j, c, q] += Σ_{images, y, x} xp[y+i, x+j, c] · dy[y, x, q] for the channel blocks
 * [cb0, cb1) (bytes): one block's 9·ch sums stay in locals over an image; images in order, then
 * pixels in order, so the sums do not depend on how blocks are shared among threads.
 */
export function conv1FilterGrad(fma: boolean, ch: number): Fn {
  // params: xp, dy, dw, images, rows, cols, xpRow, xpImage, coutBytes, cb0, cb1
  const f = new Fn(new Array<number>(11).fill(I32), `conv1Dw${ch}`);
  const T = K * K * ch;
  const [xp, dy, dw, images, rows, cols, xpRow, xpImage, cout, cb0, cb1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [img, cb, y, x, pd] = Array.from({ length: 5 }, () => f.local(I32)) as [number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const acc = Array.from({ length: T }, () => f.local(V128));
  const g = f.local(V128);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(cb, () => f.get(cb0), cb1, 16, () => {
      for (let t = 0; t < T; t++) tapAt(f, dw, t, cout, cb).vload().set(acc[t]!);
      f.get(dy).get(cb).emit(op.i32Add).set(pd);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(xp).get(y).get(xpRow).emit(op.i32Mul, op.i32Add), xpRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(pd).vload().set(g);
          for (let i = 0; i < K; i++) for (let j = 0; j < K * ch; j++) {
            const a = acc[i * K * ch + j]!;
            madd(f, fma, () => f.get(pr[i]!).v(simd.load32Splat).emit(...memarg(2, 4 * j)), g, () => f.get(a));
            f.set(a);
          }
          f.inc(pd, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(4 * ch));
        });
      });
      for (let t = 0; t < T; t++) tapAt(f, dw, t, cout, cb).get(acc[t]!).vstore();
    });
    f.inc(xp, () => f.get(xpImage)).inc(dy, () => f.get(rows).get(cols).emit(op.i32Mul).get(cout).emit(op.i32Mul));
  });
  return f;
}

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
/**
 * dx[y, x, c] = Σ_{i,j,q} dy[y−i+pt, x−j+pl, q] · w[i, j, c, q], as a scatter: every dy pixel adds
 * dy[·, block] ⊙ w[i, j, c, block] into the 4-lane partial sums s[y+i, x+j, c] of a padded
 * scratch (one per image, rows of sRow = (cols + 2)·ch·16 bytes, zeroed here), block after block;
 * then each input value's 4 lanes are added. rows/cols are dy's; inRows/inCols, pt, pl the
 * input's size and pads.
 */
export function conv1InputGrad(fma: boolean, ch: number): Fn {
  // params: dy, w, s, dx, images, rows, cols, sRow, sImage, coutBytes, inRows, inCols, pt, pl
  const f = new Fn(new Array<number>(14).fill(I32), `conv1Dx${ch}`);
  const T = K * K * ch;
  const [dy, w, s, dx, images, rows, cols, sRow, sImage, cout, inRows, inCols, pt, pl] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [img, cb, y, x, pd, i0] = Array.from({ length: 6 }, () => f.local(I32)) as [number, number, number, number, number, number];
  const pr = Array.from({ length: K }, () => f.local(I32));
  const taps = Array.from({ length: T }, () => f.local(V128));
  const [g, zero, v, lineEnd] = [f.local(V128), f.local(V128), f.local(V128), f.local(I32)];
  f.f32(0).v(simd.f32x4Splat).set(zero);
  f.forLt(img, 0, images, 1, () => {
    f.forLt(i0, 0, sImage, 16, () => { f.get(s).get(i0).emit(op.i32Add).get(zero).vstore(); });
    f.forLt(cb, 0, cout, 16, () => {
      for (let t = 0; t < T; t++) tapAt(f, w, t, cout, cb).vload().set(taps[t]!);
      f.get(dy).get(cb).emit(op.i32Add).set(pd);
      f.forLt(y, 0, rows, 1, () => {
        rowPointers(f, pr, () => f.get(s).get(y).get(sRow).emit(op.i32Mul, op.i32Add), sRow);
        f.forLt(x, 0, cols, 1, () => {
          f.get(pd).vload().set(g);
          for (let i = 0; i < K; i++) for (let j = 0; j < K * ch; j++) {
            f.get(pr[i]!);
            madd(f, fma, () => f.get(g), taps[i * K * ch + j]!, () => f.get(pr[i]!).v(simd.load).emit(...memarg(0, 16 * j)));
            f.v(simd.store).emit(...memarg(0, 16 * j));
          }
          f.inc(pd, () => f.get(cout));
          for (const p of pr) f.inc(p, () => f.i32(16 * ch));
        });
      });
    });
    // dx[y, x, c] = the 4 lanes of s[y + pt, x + pl, c], added pairwise: inCols·ch values a row.
    f.get(inCols).i32(ch).emit(op.i32Mul).set(lineEnd);
    f.forLt(y, 0, inRows, 1, () => {
      f.get(s).get(y).get(pt).emit(op.i32Add).get(sRow).emit(op.i32Mul, op.i32Add).get(pl).i32(16 * ch).emit(op.i32Mul, op.i32Add).set(pr[0]!);
      f.forLt(x, 0, lineEnd, 1, () => {
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
