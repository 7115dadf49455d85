/**
 * Symmetric eigendecomposition by the cyclic Jacobi method, and the matrix functions the
 * Gaussian model needs through it: Σ^{1/2} in the closed form of Theorem 2, Σ⁻¹ in the
 * decision rule sign(xᵀΣ⁻¹μ), log det Σ in the NLL, and exp for the solver's SPD steps.
 *
 * Jacobi is O(d³) per sweep and converges quadratically; for d ≤ ~50 it takes < 10 sweeps
 * and gives eigenvectors orthogonal to machine precision, which the matrix square root's
 * "squared equals input" check depends on.
 */
import { type Mat, type Vec, zeros, identity, frobenius, symmetrize } from './linalg';

export interface Eigen {
  /** Eigenvalues, ascending. */
  values: Vec;
  /** Orthogonal matrix whose column k is the unit eigenvector of values[k]. */
  vectors: Mat;
  /** Jacobi sweeps used. */
  sweeps: number;
}

export function eigSym(a: Mat, maxSweeps = 100): Eigen {
  const n = a.n;
  const A = symmetrize(a).data;
  const V = identity(n).data;
  const scaleF = frobenius(a);
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off <= (1e-15 * scaleF) ** 2 || scaleF === 0) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        // Rotation zeroing A_pq (Golub & Van Loan §8.5; t is the smaller root, for stability).
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => A[i * n + i]! - A[j * n + j]!,
  );
  const values = new Float64Array(order.map((i) => A[i * n + i]!));
  const vectors = zeros(n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors.data[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors, sweeps };
}

/** Q·diag(d)·Qᵀ, symmetrised. */
export function compose(vectors: Mat, d: ArrayLike<number>): Mat {
  const n = vectors.n;
  const out = zeros(n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors.data[i * n + k]! * d[k]! * vectors.data[j * n + k]!;
      out.data[i * n + j] = s;
      out.data[j * n + i] = s;
    }
  return out;
}

/** f(A) = Q·f(Λ)·Qᵀ for symmetric A. */
export function spectralMap(a: Mat, f: (lambda: number) => number): Mat {
  const { values, vectors } = eigSym(a);
  return compose(vectors, values.map(f));
}

function requirePsd(values: Vec, what: string, strict: boolean): void {
  const min = values[0] ?? 0;
  const tol = 1e-12 * Math.max(1, Math.abs(values[values.length - 1] ?? 0));
  if (strict ? min <= 0 : min < -tol)
    throw new RangeError(
      `${what}: matrix is not positive ${strict ? 'definite' : 'semidefinite'} (smallest eigenvalue ${min})`,
    );
}

/** Principal square root of a symmetric positive semidefinite matrix. */
export function sqrtm(a: Mat): Mat {
  const { values, vectors } = eigSym(a);
  requirePsd(values, 'sqrtm', false);
  return compose(
    vectors,
    values.map((v) => Math.sqrt(Math.max(0, v))),
  );
}

export function invSpd(a: Mat): Mat {
  const { values, vectors } = eigSym(a);
  requirePsd(values, 'invSpd', true);
  return compose(
    vectors,
    values.map((v) => 1 / v),
  );
}

export function logDetSpd(a: Mat): number {
  const { values } = eigSym(a);
  requirePsd(values, 'logDetSpd', true);
  return values.reduce((s, v) => s + Math.log(v), 0);
}

export function expmSym(a: Mat): Mat {
  return spectralMap(a, Math.exp);
}

/**
 * Solves A·x = b for symmetric positive definite A by Cholesky; undefined when A is not
 * (numerically) positive definite, which the solver's Levenberg–Marquardt damping relies on.
 */
export function solveSpd(a: Mat, b: ArrayLike<number>): Vec | undefined {
  const n = a.n;
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
    y[i] = s / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** Cholesky test for positive definiteness (cheaper and stricter than eigenvalues). */
export function isSpd(a: Mat): boolean {
  return solveSpd(a, new Float64Array(a.n)) !== undefined;
}
