/**
 * Conv2DBackpropFilter of a 3×3 stride-1 convolution through Winograd F(m×m,3×3), the gradient
 * of winograd.ts's forward. Forward, per output tile: Y = Aᵀ[(G g Gᵀ) ⊙ V]A with V = Bᵀ d B.
 * Backward: dM = A dY Aᵀ per tile, and dg = Gᵀ [Σ_tiles V ⊙ dM] G, so for every channel pair
 *
 *   dW[·,·,ci,co] = Gᵀ S[ci,co] G,   S_k[ci,co] = Σ_t V_k[t,ci] · dM_k[t,co]   (k < α²),
 *
 * α² products over the tiles of α² multiplies per tile and channel pair, where the im2col GEMM
 * (convFilterGemm.ts) does 9·m² (F(2×2): 16 against 36; F(4×4): 36 against 144). V is winoIn's
 * input transform, dM our winoDy loop, both channel-innermost ([tiles, C]); the products are our
 * outerAcc loop (simdGemm.ts), which reads both as they lie. The stock GEMM would need V
 * transposed and would re-pack dM on every call, which made this form slower than the im2col
 * GEMM. Images go in chunks (as in winograd.ts), each chunk in a fixed number of parts: a part's
 * transforms and products run on one thread (no other core's cache to read V and dM from) into
 * the part's own S, and the parts' S are added in order at the end.
 */
import { heapF32, Scope, TI } from '../wasm/call';
import { outerCalls } from '../matmul/outerProducts';
import { imageParts, type Program } from '../threads/loopThreads';
import { addressOf, loopThreadsFor } from '../wasm/simd';
import {
  chunkImages,
  inputCalls,
  padInputCalls,
  planeLoopsFit,
  geometryOf,
  transformed,
  type Pads,
} from './winograd';
import { transpose, twoSided, type WinogradTile } from './winogradTiles';
import { zeroCall, zeroFill } from '../wasm/zeroFill';

/** Image parts of each chunk with a partial S of their own (a constant: results must not depend
 * on the thread count); 4 keeps up to 4 threads busy. */
const PARTS = 4;

export function winogradFilterGrad(s: Scope, x: TI, dy: TI, p: Pads): TI {
  const backend = s.backend;
  const threads = loopThreadsFor(backend)!;
  const at = (t: TI) => addressOf(backend, t);
  const [n, , , c] = x.shape as [number, number, number, number];
  const [, ho, wo, co] = dy.shape as [number, number, number, number];
  // outerAcc takes 4 columns of V and 8 of dM at a time: channels padded with zeros.
  const geometry = geometryOf(ho, wo, c, co, 'filter');
  const { tile, m, kk, th, tw, hp, wp, cp, cop } = geometry;
  // dY is read in place when its tiles cover it exactly and it needs no channel padding.
  const dyAsIs = ho === m * th && wo === m * tw && co === cop;
  const tiles = th * tw;
  const perImage = hp * wp * cp + (dyAsIs ? 0 : m * m * tiles * cop) + kk * tiles * (cp + cop);
  // Chunks of any size: every image part sums into its own S whatever the chunk.
  const chunk = chunkImages(n, perImage);
  // S per image part: part q of each chunk (PARTS parts, whatever the thread count) sums into
  // partial[q]; the parts are added in order at the end, so the result does not depend on
  // the thread count.
  const partial = s.make([PARTS, kk, cp, cop]);
  zeroFill(backend, partial);
  const sBytes = kk * cp * cop * 4;
  const dyImage = m * th * m * tw * cop * 4;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const t = nc * tiles;
    // A scope per chunk: its buffers are freed before the next chunk allocates its own.
    const cs = new Scope(backend);
    try {
      const xp = cs.make([nc, hp, wp, cp]);
      // V_k [t, cp] and dM_k [t, cop], k < α², each α² matrices in one buffer.
      const { buf: v, k: vK, row: vT } = transformed(cs, kk, t, cp);
      const { buf: dm, k: dK, row: dT } = transformed(cs, kk, t, cop);
      // dY's tiles past the last output row/column read zeros: they add nothing to S.
      const padded = dyAsIs ? undefined : cs.make([nc, m * th, m * tw, cop]);
      const dyp = padded ? at(padded) : at(dy) + n0 * dyImage;
      // Each part: pad X (and dY), transform X and dY, then its α² products into its S, all on
      // one thread, so that V and dM are read where they were written.
      const part = ([i0, i1]: [number, number], q: number): Program => [
        ...inputCalls(backend, x, xp, { at: at(v), k: vK, row: vT }, n0, [i0, i1], p, geometry),
        ...(padded
          ? [
              zeroCall(at(padded) + i0 * dyImage, (i1 - i0) * dyImage),
              ...padInputCalls(
                backend,
                dy,
                padded,
                n0 + i0,
                i1 - i0,
                { t: 0, b: 0, l: 0, r: 0 },
                m * th,
                m * tw,
                cop,
                i0,
              ),
            ]
          : []),
        {
          fn: `winoDy${m}`,
          args: [
            dyp + i0 * dyImage,
            at(dm) + i0 * tiles * dT,
            dK,
            dT,
            i1 - i0,
            th,
            tw,
            m * tw * cop * 4,
            dyImage,
            cop * 4,
          ],
        },
        ...Array.from({ length: kk }, (_, k) => k).flatMap((k) =>
          outerCalls((i1 - i0) * tiles, {
            a: at(v) + k * vK + i0 * tiles * vT,
            aCols: cp,
            aStride: vT,
            aColStride: 4,
            b: at(dm) + k * dK + i0 * tiles * dT,
            bCols: cop,
            bStride: dT,
            out: at(partial) + q * sBytes + k * cp * cop * 4,
            outStride: cop * 4,
          }),
        ),
      ];
      const parts = imageParts(nc, tiles, PARTS).map(part);
      // Parts to threads in contiguous groups (each thread runs its parts one after the other).
      const per = Math.ceil(parts.length / threads.size);
      threads.run(
        Array.from({ length: Math.ceil(parts.length / per) }, (_, i) =>
          parts.slice(i * per, (i + 1) * per).flat(),
        ),
      );
    } finally {
      cs.dispose();
    }
  }
  // S = ((S_0 + S_1) + S_2) + …, in place in part 0.
  const sums = at(partial);
  threads.run([
    Array.from({ length: PARTS - 1 }, (_, q) => ({
      fn: 'addRows',
      args: [sums, sums + (q + 1) * sBytes, sums, 1, sBytes, sBytes, sBytes],
    })),
  ]);
  return filterFromS(s, tile, partial, c, co, cp, cop);
}

/**
 * dW[·,·,ci,co] = Gᵀ S[ci,co] G: the transpose of winograd.ts's filter transform, by our
 * winoFilterGrad loop on this thread where the channel counts are multiples of 4, else in
 * float64 in JS.
 */
function filterFromS(
  s: Scope,
  tile: WinogradTile,
  sums: TI,
  c: number,
  co: number,
  cp: number,
  cop: number,
): TI {
  const out = s.make([3, 3, c, co]);
  if (planeLoopsFit(c, co)) {
    const at = (t: TI) => addressOf(s.backend, t);
    loopThreadsFor(s.backend)!.run([
      [
        {
          fn: `winoFilterGrad${tile.m}`,
          args: [at(sums), cp * cop * 4, at(out), c * co * 4, c, co * 4, cop * 4, co * 4],
        },
      ],
    ]);
    return out;
  }
  // Views after the last allocation (malloc may grow the memory and detach older views).
  const [sum, dw] = [heapF32(s.backend, sums), heapF32(s.backend, out)];
  // S_k as planes over the channel pairs (ci·co + q), dropping the padding.
  const planes = Array.from({ length: tile.alpha ** 2 }, (_, k) => {
    const plane = new Float32Array(c * co);
    for (let ci = 0; ci < c; ci++)
      plane.set(sum.subarray((k * cp + ci) * cop, (k * cp + ci) * cop + co), ci * co);
    return plane;
  });
  twoSided(transpose(tile.g), planes, c * co).forEach((plane, k) => dw.set(plane, k * c * co));
  return out;
}
