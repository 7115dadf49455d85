/**
 * The two Winograd tiles for 3×3 stride-1 convolutions, F(m×m,3×3) with α = m + 2: per m×m output
 * tile Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over an α×α input tile d, so the products over channels are
 * α² GEMMs instead of 9·m². F(2×2) (α² = 16 for 4 outputs) has only 0/±1 in Bᵀ and Aᵀ; F(4×4)
 * (α² = 36 for 16 outputs: 2.25 multiplies an output instead of 4) uses the interpolation points
 * 0, ±1, ±2, ∞ (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), whose
 * larger coefficients cost some float32 accuracy (winograd.test.ts bounds it).
 */
export interface WinogradTile {
  /** Outputs per tile side. */
  m: 2 | 4;
  /** Input tile side, m + 2. */
  alpha: number;
  /** Bᵀ [α×α]: the input transform V = Bᵀ d B. */
  bt: number[][];
  /** G [α×3]: the filter transform U = G g Gᵀ. */
  g: number[][];
  /** Aᵀ [m×α]: the output transform Y = Aᵀ M A. */
  at: number[][];
}

export const F2: WinogradTile = {
  m: 2,
  alpha: 4,
  bt: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  g: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

export const F4: WinogradTile = {
  m: 4,
  alpha: 6,
  bt: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  g: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  at: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

export const transpose = (a: number[][]): number[][] => a[0]!.map((_, j) => a.map((r) => r[j]!));

/**
 * L·X·Lᵀ for a square p×p matrix X (L: q×p) of which each entry is a plane of `len` numbers, in
 * float64: x[p·i + j] is X[i][j]'s plane, the result q² planes the same way. Plane by plane, so
 * that a filter transform over Ci·Co channel pairs is a few hundred typed-array loops rather than
 * Ci·Co small matrix products.
 */
export function twoSided(l: number[][], x: ArrayLike<number>[], len: number): Float64Array[] {
  const [q, p] = [l.length, l[0]!.length];
  const axpy = (out: Float64Array, c: number, v: ArrayLike<number>) => {
    if (c !== 0) for (let e = 0; e < len; e++) out[e]! += c * v[e]!;
  };
  const half = Array.from({ length: q * p }, () => new Float64Array(len));
  for (let i = 0; i < q; i++)
    for (let j = 0; j < p; j++)
      for (let k = 0; k < p; k++) axpy(half[i * p + j]!, l[i]![k]!, x[k * p + j]!);
  const out = Array.from({ length: q * q }, () => new Float64Array(len));
  for (let i = 0; i < q; i++)
    for (let j = 0; j < q; j++)
      for (let k = 0; k < p; k++) axpy(out[i * q + j]!, l[j]![k]!, half[i * p + k]!);
  return out;
}

/**
 * Chooses the tile for an output of ho×wo: F(4×4) where its multiplies, counted over the tiles
 * that cover the output, are at most `ratio` of F(2×2)'s, so that its costlier transforms are paid
 * for: 28×28, 32×32, 16×16, 8×8 and 7×7 outputs (0.56) in every pass. A 14×14 output (0.73), which
 * 4×4 tiles pad to 16×16 and the forward pass (or input gradient) must then cut out of a larger
 * one, measured slower with F(4×4) there and faster in the filter gradient, which pads dY instead
 * (bench/ab-winograd-tile.ts; CHANGELOG.md).
 */
export function chooseTile(ho: number, wo: number, pass: 'forward' | 'filter'): WinogradTile {
  const mults = (t: WinogradTile) => t.alpha ** 2 * Math.ceil(ho / t.m) * Math.ceil(wo / t.m);
  return mults(F4) <= (pass === 'forward' ? 0.6 : 0.75) * mults(F2) ? F4 : F2;
}
