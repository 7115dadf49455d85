/**
 * Plain dense linear algebra on Float64Array for the Gaussian model of Ilyas et al. (2019),
 * Section 4 / Appendix. Dimensions there are small (d ≤ ~50), so a few O(d³) loops in
 * float64 beat pulling tfjs (float32) into exact-arithmetic checks. Square matrices only,
 * row-major; vectors are bare Float64Arrays.
 */

/** A square d×d matrix, row-major: entry (i, j) is data[i * n + j]. */
export interface Mat {
  readonly n: number;
  readonly data: Float64Array;
}

export type Vec = Float64Array;

export function zeros(n: number): Mat {
  return { n, data: new Float64Array(n * n) };
}

export function identity(n: number): Mat {
  const m = zeros(n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function diag(values: ArrayLike<number>): Mat {
  const m = zeros(values.length);
  for (let i = 0; i < values.length; i++) m.data[i * m.n + i] = values[i]!;
  return m;
}

export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const n = rows.length;
  const m = zeros(n);
  rows.forEach((r, i) => {
    if (r.length !== n)
      throw new RangeError(`fromRows: row ${i} has ${r.length} entries, expected ${n}`);
    r.forEach((v, j) => (m.data[i * n + j] = v));
  });
  return m;
}

export function toRows(m: Mat): number[][] {
  return Array.from({ length: m.n }, (_, i) => Array.from(m.data.subarray(i * m.n, (i + 1) * m.n)));
}

export function get(m: Mat, i: number, j: number): number {
  return m.data[i * m.n + j]!;
}

export function clone(m: Mat): Mat {
  return { n: m.n, data: new Float64Array(m.data) };
}

export function transpose(m: Mat): Mat {
  const t = zeros(m.n);
  for (let i = 0; i < m.n; i++)
    for (let j = 0; j < m.n; j++) t.data[j * m.n + i] = m.data[i * m.n + j]!;
  return t;
}

export function matmul(a: Mat, b: Mat): Mat {
  const n = a.n;
  if (b.n !== n) throw new RangeError(`matmul: ${n}×${n} by ${b.n}×${b.n}`);
  const c = zeros(n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a.data[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c.data[i * n + j]! += aik * b.data[k * n + j]!;
    }
  return c;
}

/** Linear combination αA + βB. */
export function axpby(alpha: number, a: Mat, beta: number, b: Mat): Mat {
  const c = zeros(a.n);
  for (let i = 0; i < c.data.length; i++) c.data[i] = alpha * a.data[i]! + beta * b.data[i]!;
  return c;
}

export function add(a: Mat, b: Mat): Mat {
  return axpby(1, a, 1, b);
}

export function sub(a: Mat, b: Mat): Mat {
  return axpby(1, a, -1, b);
}

export function scale(a: Mat, s: number): Mat {
  return axpby(s, a, 0, a);
}

/** A + s·I. */
export function addIdentity(a: Mat, s: number): Mat {
  const c = clone(a);
  for (let i = 0; i < a.n; i++) c.data[i * a.n + i]! += s;
  return c;
}

/** (A + Aᵀ)/2: removes the rounding asymmetry products like Q·D·Qᵀ pick up. */
export function symmetrize(a: Mat): Mat {
  const c = zeros(a.n);
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < a.n; j++)
      c.data[i * a.n + j] = 0.5 * (a.data[i * a.n + j]! + a.data[j * a.n + i]!);
  return c;
}

export function trace(a: Mat): number {
  let t = 0;
  for (let i = 0; i < a.n; i++) t += a.data[i * a.n + i]!;
  return t;
}

export function frobenius(a: Mat): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return Math.sqrt(s);
}

/** ‖A − B‖_F / ‖B‖_F: the error measure used to compare closed form and solver. */
export function relFrobenius(a: Mat, b: Mat): number {
  return frobenius(sub(a, b)) / frobenius(b);
}

/** Largest |A_ij − A_ji| relative to the largest |A_ij|. */
export function asymmetry(a: Mat): number {
  let worst = 0;
  let big = 0;
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < a.n; j++) {
      big = Math.max(big, Math.abs(a.data[i * a.n + j]!));
      worst = Math.max(worst, Math.abs(a.data[i * a.n + j]! - a.data[j * a.n + i]!));
    }
  return big === 0 ? 0 : worst / big;
}

export function matVec(a: Mat, v: ArrayLike<number>): Vec {
  const out = new Float64Array(a.n);
  for (let i = 0; i < a.n; i++) {
    let s = 0;
    for (let j = 0; j < a.n; j++) s += a.data[i * a.n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm2(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** vᵀAv. */
export function quadForm(a: Mat, v: ArrayLike<number>): number {
  return dot(v, matVec(a, v));
}

/** Angle between two vectors, in degrees (clamped so rounding never gives NaN). */
export function angleDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const c = dot(a, b) / (norm2(a) * norm2(b));
  return (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;
}
