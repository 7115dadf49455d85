/**
 * Conv2DBackpropFilter of a 3×3 stride-1 convolution through Winograd F(2×2,3×3), the gradient
 * of winograd.ts's forward. Forward, per output tile: Y = Aᵀ[(G g Gᵀ) ⊙ V]A with V = Bᵀ d B.
 * Backward: dM = A dY Aᵀ per tile, and dg = Gᵀ [Σ_tiles V ⊙ dM] G, so for every channel pair
 *
 *   dW[·,·,ci,co] = Gᵀ S[ci,co] G,   S_k[ci,co] = Σ_t V_k[t,ci] · dM_k[t,co]   (k = 0..15),
 *
 * 16 products over the tiles of 16 multiplies per tile and channel pair, where the im2col GEMM
 * (convFilterGemm.ts) does 36 (4·9 for the four outputs of a tile). V is winoIn's input transform,
 * dM our winoDy loop, both channel-innermost ([tiles, C]); the products are our outerAcc loop
 * (simdGemm.ts), which reads both as they lie. The stock GEMM would need V transposed and would
 * re-pack dM on every call, which made this form slower than the im2col GEMM. Images go in chunks (as in winograd.ts) that S accumulates.
 */
import { heapF32, Scope, TI } from '../wasm/call';
import { outerCalls } from '../matmul/outerProducts';
import { imageParts, type Program } from '../threads/loopThreads';
import { addressOf, loopThreadsFor } from '../wasm/simd';
import { ceil4, chunkImages, padInputCalls, type Pads } from './winograd';

export function winogradFilterGrad(s: Scope, x: TI, dy: TI, p: Pads): TI {
  const backend = s.backend;
  const threads = loopThreadsFor(backend)!;
  const at = (t: TI) => addressOf(backend, t);
  const [n, , , c] = x.shape as [number, number, number, number];
  const [, ho, wo, co] = dy.shape as [number, number, number, number];
  const [th, tw] = [Math.ceil(ho / 2), Math.ceil(wo / 2)];
  // outerAcc takes 4 columns of V and 8 of dM at a time: channels padded with zeros.
  const [hp, wp, cp, cop] = [2 * th + 2, 2 * tw + 2, ceil4(c), Math.ceil(co / 8) * 8];
  // dY is read in place when its tiles cover it exactly and it needs no channel padding.
  const dyAsIs = ho === 2 * th && wo === 2 * tw && co === cop;
  const tiles = th * tw;
  const perImage = hp * wp * cp + (dyAsIs ? 0 : 4 * tiles * cop) + 16 * tiles * (cp + cop);
  const chunk = chunkImages(n, perImage);
  const sums = s.make([16, cp, cop]);
  heapF32(backend, sums).fill(0);
  const dyImage = 2 * th * 2 * tw * cop * 4;
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nc = Math.min(chunk, n - n0);
    const t = nc * tiles;
    // A scope per chunk: its buffers are freed before the next chunk allocates its own.
    const cs = new Scope(backend);
    try {
      const xp = cs.make([nc, hp, wp, cp]);
      const v = Array.from({ length: 16 }, () => cs.make([t, cp]));
      const dm = Array.from({ length: 16 }, () => cs.make([t, cop]));
      heapF32(backend, xp).fill(0);
      // dY's tiles past the last output row/column read zeros: they add nothing to S.
      const padded = dyAsIs ? undefined : cs.make([nc, 2 * th, 2 * tw, cop]);
      if (padded) heapF32(backend, padded).fill(0);
      const dyp = padded ? at(padded) : at(dy) + n0 * dyImage;
      // Phase 1, images split across threads: pad X (and dY), transform X and dY.
      threads.run(
        imageParts(nc, tiles, threads.size).map(([i0, i1]): Program => [
          ...padInputCalls(backend, x, xp, n0 + i0, i1 - i0, p, hp, wp, cp, i0),
          ...(padded
            ? padInputCalls(
                backend,
                dy,
                padded,
                n0 + i0,
                i1 - i0,
                { t: 0, b: 0, l: 0, r: 0 },
                2 * th,
                2 * tw,
                cop,
                i0,
              )
            : []),
          {
            fn: 'winoIn',
            args: [
              at(xp) + i0 * hp * wp * cp * 4,
              ...v.map((m) => at(m) + i0 * tiles * cp * 4),
              i1 - i0,
              th,
              tw,
              wp * cp * 4,
              hp * wp * cp * 4,
              cp * 4,
            ],
          },
          {
            fn: 'winoDy',
            args: [
              dyp + i0 * dyImage,
              ...dm.map((m) => at(m) + i0 * tiles * cop * 4),
              i1 - i0,
              th,
              tw,
              2 * tw * cop * 4,
              dyImage,
              cop * 4,
            ],
          },
        ]),
      );
      // Phase 2, the 16 products split across threads (each S_k is one thread's alone: the sum
      // over tiles runs in the same order whatever the thread count).
      const ks = Array.from({ length: 16 }, (_, k) => k);
      const share = Math.ceil(16 / threads.size);
      threads.run(
        Array.from({ length: Math.ceil(16 / share) }, (_, i) =>
          ks.slice(i * share, (i + 1) * share).flatMap((k) =>
            outerCalls(t, {
              a: at(v[k]!),
              aCols: cp,
              aStride: cp * 4,
              aColStride: 4,
              b: at(dm[k]!),
              bCols: cop,
              bStride: cop * 4,
              out: at(sums) + k * cp * cop * 4,
              outStride: cop * 4,
            }),
          ),
        ),
      );
    } finally {
      cs.dispose();
    }
  }
  return filterFromS(s, heapF32(backend, sums), c, co, cp, cop);
}

/**
 * dW[i,j,ci,co] = Σ_{a,b} G[a][i] · S_{4a+b}[ci,co] · G[b][j], G's rows [1,0,0], [½,½,½],
 * [½,−½,½], [0,0,1]: the transpose of winograd.ts's filter transform.
 */
function filterFromS(
  s: Scope,
  sum: Float32Array,
  c: number,
  co: number,
  cp: number,
  cop: number,
): TI {
  const out = s.make([3, 3, c, co]);
  const dw = heapF32(s.backend, out);
  // Gᵀ's rows: how each of the 3 filter taps collects the 4 transformed positions.
  const gt = [
    [1, 0.5, 0.5, 0],
    [0, 0.5, -0.5, 0],
    [0, 0.5, 0.5, 1],
  ];
  const sm = new Float64Array(16),
    half = new Float64Array(12);
  for (let ci = 0; ci < c; ci++) {
    for (let q = 0; q < co; q++) {
      for (let k = 0; k < 16; k++) sm[k] = sum[k * cp * cop + ci * cop + q]!;
      // half[i][b] = Σ_a Gᵀ[i][a] S[a][b]; dW[i][j] = Σ_b half[i][b] Gᵀ[j][b].
      for (let i = 0; i < 3; i++)
        for (let b = 0; b < 4; b++) {
          let acc = 0;
          for (let a = 0; a < 4; a++) acc += gt[i]![a]! * sm[4 * a + b]!;
          half[4 * i + b] = acc;
        }
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          let acc = 0;
          for (let b = 0; b < 4; b++) acc += half[4 * i + b]! * gt[j]![b]!;
          dw[(i * 3 + j) * c * co + ci * co + q] = acc;
        }
    }
  }
  return out;
}
