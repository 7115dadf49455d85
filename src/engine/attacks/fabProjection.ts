/**
 * FAB's projection (Croce & Hein, ICML 2020, "Minimally distorted adversarial examples with a fast
 * adaptive boundary attack", §3.1): the smallest move d, in ℓ2 or ℓ∞, that takes a point t onto
 * the hyperplane {z : ⟨w, z⟩ = b} while t + d stays in the image box [0,1]ᵈ. FAB projects onto
 * the linearised decision boundary at every step, so this must be the exact minimiser, not an
 * approximation: an inexact projection changes the attack.
 *
 * Both norms reduce to one water-filling problem. Let c = b − ⟨w, t⟩ be the change of ⟨w, ·⟩
 * needed, and let every coordinate move in its helpful direction σᵢ = sign(wᵢ·c), with room
 * ρᵢ to the box face it moves towards (1 − tᵢ up, tᵢ down). The KKT conditions give, for a scalar
 * s ≥ 0 (the ℓ∞ radius, or the ℓ2 multiplier):
 *   ℓ∞: dᵢ = σᵢ·min(s, ρᵢ)               so |⟨w, d⟩| = Σ |wᵢ|·min(s, ρᵢ)
 *   ℓ2: dᵢ = σᵢ·|wᵢ|·min(s, ρᵢ/|wᵢ|)     so |⟨w, d⟩| = Σ wᵢ²·min(s, ρᵢ/|wᵢ|)
 * Both are g(s) = Σ aᵢ·min(s, sᵢ), increasing and piecewise linear with kinks at the sᵢ; s solves
 * g(s) = |c|. The kinks that bracket the root are found by selection, as quickselect finds a
 * median: g at a pivot kink tells on which side of it the root lies, the kinks on the other side
 * go into two running sums (Σ aᵢsᵢ of those below, Σ aᵢ of those above), and the search goes on
 * among the rest, in expected linear time rather than a sort's n·log n. On the linear piece
 * left, g(s) = Σ_below aᵢsᵢ + s·Σ_above aᵢ is solved in closed form: exact up to float rounding,
 * as the reference's sort-based projection_l2 / projection_linf. When even the corner of the box
 * (s = ∞) does not reach the hyperplane, the corner is returned (the point of the box nearest to
 * it, as the reference does) and `reached` is false.
 *
 * Written on plain arrays, one row at a time: the root search branches per example, which tfjs
 * has no op for (no per-row searchsorted), and a row of a small image is a few hundred numbers.
 */

export type FabNorm = 'l2' | 'linf';

/** Scratch buffers reused across rows of the same length (three arrays per call otherwise). */
export class HyperplaneProjector {
  private readonly kinks: Float64Array;
  private readonly weight: Float64Array;
  private readonly at: Float64Array;

  constructor(readonly size: number) {
    this.kinks = new Float64Array(size);
    this.weight = new Float64Array(size);
    this.at = new Float64Array(size);
  }

  /**
   * Writes into `out` the minimal-norm d with ⟨w, t + d⟩ = b and t + d ∈ [0,1]ᵈ, for the norm
   * given; returns whether the hyperplane was reached (false: d moves t to the box's corner
   * nearest to the hyperplane). `t`, `w` and `out` have `size` entries; `t` is read from `tAt`,
   * `w` from `wAt`, and `out` written from `outAt`.
   */
  project(
    norm: FabNorm,
    t: ArrayLike<number>,
    tAt: number,
    w: ArrayLike<number>,
    wAt: number,
    b: number,
    out: Float32Array | Float64Array,
    outAt = 0,
  ): boolean {
    const n = this.size;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += w[wAt + i]! * t[tAt + i]!;
    const c = b - dot;
    const up = c >= 0;
    // aᵢ and sᵢ of g; `at` keeps sᵢ per coordinate for the final write.
    let used = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[wAt + i]!;
      const ti = t[tAt + i]!;
      const aw = Math.abs(wi);
      // Room towards the face the coordinate moves to (never negative, even for t just outside).
      const room = Math.max(wi > 0 === up ? 1 - ti : ti, 0);
      const ai = norm === 'linf' ? aw : aw * aw;
      // A weight too small to change ⟨w, ·⟩ (zero, or a square that underflows) stays put.
      if (!(ai > 0)) {
        this.at[i] = -1;
        continue;
      }
      const si = norm === 'linf' ? room : room / aw;
      this.at[i] = si;
      total += ai * si;
      this.kinks[used] = si;
      this.weight[used] = ai;
      used++;
    }
    const need = Math.abs(c);
    const reached = need <= total;
    const s = reached ? this.root(used, need) : Infinity;
    for (let i = 0; i < n; i++) {
      const wi = w[wAt + i]!;
      if (this.at[i]! < 0) {
        out[outAt + i] = 0;
        continue;
      }
      const sigma = wi > 0 === up ? 1 : -1;
      const m = Math.min(s, this.at[i]!);
      out[outAt + i] = sigma * (norm === 'linf' ? m : Math.abs(wi) * m);
    }
    return reached;
  }

  /**
   * The s ≥ 0 with g(s) = need, given 0 ≤ need ≤ g(∞), over the first `used` (kink, weight)
   * pairs, which it reorders. Invariant: the root lies between the largest kink moved into
   * `below` and the smallest moved into `above`; the pairs in [lo, hi) are the ones not yet placed.
   */
  private root(used: number, need: number): number {
    if (need === 0 || used === 0) return 0;
    const kinks = this.kinks;
    const weight = this.weight;
    let below = 0; // Σ aᵢ·sᵢ over kinks known to lie at or below the root
    let above = 0; // Σ aᵢ over kinks known to lie above it
    let lo = 0;
    let hi = used;
    while (lo < hi) {
      // The middle pair as pivot: the kinks come in no order that makes it a bad one on purpose,
      // and a fixed choice keeps the arithmetic, and so the rounding, the same on every run.
      const pivot = kinks[(lo + hi) >> 1]!;
      // Partition [lo, hi) into kinks ≤ pivot, then kinks > pivot, summing both sides.
      let i = lo;
      let j = hi - 1;
      let lowAS = 0;
      let highA = 0;
      while (i <= j) {
        const k = kinks[i]!;
        if (k <= pivot) {
          lowAS += weight[i]! * k;
          i++;
        } else {
          highA += weight[i]!;
          kinks[i] = kinks[j]!;
          kinks[j] = k;
          const a = weight[i]!;
          weight[i] = weight[j]!;
          weight[j] = a;
          j--;
        }
      }
      if (below + lowAS + pivot * (above + highA) >= need) {
        // The root is at or below the pivot: every kink above it is "above".
        above += highA;
        // The pivot itself and its equals are ≤ the root only if the root equals them; set them
        // aside unless they are all that is left, which ends the search at the pivot.
        let k = lo;
        for (let m = lo; m < i; m++) {
          if (kinks[m]! < pivot) {
            kinks[k] = kinks[m]!;
            weight[k] = weight[m]!;
            k++;
          } else above += weight[m]!;
        }
        hi = k;
      } else {
        // The root is above the pivot: every kink at or below it is "below".
        below += lowAS;
        lo = i;
      }
    }
    // g(s) = below + s·above on the piece that holds the root.
    if (!(above > 0)) return Infinity;
    return (need - below) / above;
  }
}

/** ‖v‖ of `size` entries of v from `at`, in the norm given. */
export function rowNorm(norm: FabNorm, v: ArrayLike<number>, at: number, size: number): number {
  let r = 0;
  if (norm === 'linf') {
    for (let i = 0; i < size; i++) r = Math.max(r, Math.abs(v[at + i]!));
    return r;
  }
  for (let i = 0; i < size; i++) r += v[at + i]! * v[at + i]!;
  return Math.sqrt(r);
}

/** ‖a − b‖ over `size` entries of each, from `aAt` and `bAt`. */
export function rowDistance(
  norm: FabNorm,
  a: ArrayLike<number>,
  aAt: number,
  b: ArrayLike<number>,
  bAt: number,
  size: number,
): number {
  let r = 0;
  for (let i = 0; i < size; i++) {
    const d = a[aAt + i]! - b[bAt + i]!;
    r = norm === 'linf' ? Math.max(r, Math.abs(d)) : r + d * d;
  }
  return norm === 'linf' ? r : Math.sqrt(r);
}
