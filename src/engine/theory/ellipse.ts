/**
 * Geometry for the 2-D demo (the paper's Figure of Theorem 2: as ε grows the learned mean stays
 * at μ* while the learned covariance "blends" with the identity). A covariance Σ is drawn as its
 * 1-σ contour {Σ^{½}u : ‖u‖₂ = 1}; for d > 2 we draw the 2×2 compression PᵀΣP onto the plane of
 * Σ*'s largest- and smallest-variance eigenvectors (the most robust and most non-robust
 * directions), where the change is largest.
 */
import { type Mat, type Vec, fromRows, matVec, trace, scale, dot } from './linalg';
import { eigSym, sqrtm } from './eigen';

/** Σ·d/tr(Σ): the shape of Σ with its overall scale removed (→ I as ε → ∞). */
export function normalizeTrace(sigma: Mat): Mat {
  return scale(sigma, sigma.n / trace(sigma));
}

export interface Plane {
  /** Two orthonormal d-vectors spanning the plot plane (x axis, y axis). */
  axes: [Vec, Vec];
  description: string;
}

export function plotPlane(sigmaStar: Mat): Plane {
  const d = sigmaStar.n;
  if (d === 1) throw new RangeError('plotPlane: needs dim ≥ 2');
  if (d === 2)
    return {
      axes: [Float64Array.of(1, 0), Float64Array.of(0, 1)],
      description: 'input coordinates (x₁, x₂)',
    };
  const { vectors } = eigSym(sigmaStar);
  const col = (k: number): Vec =>
    Float64Array.from({ length: d }, (_, i) => vectors.data[i * d + k]!);
  return {
    axes: [col(d - 1), col(0)],
    description:
      'plane of Σ*’s largest-variance (x) and smallest-variance (y) eigenvectors; matrices shown as PᵀΣP',
  };
}

export function projectMatrix(sigma: Mat, plane: Plane): Mat {
  const [a, b] = plane.axes;
  const Sa = matVec(sigma, a);
  const Sb = matVec(sigma, b);
  return fromRows([
    [dot(a, Sa), dot(a, Sb)],
    [dot(b, Sa), dot(b, Sb)],
  ]);
}

export function projectVector(v: Vec, plane: Plane): [number, number] {
  return [dot(plane.axes[0], v), dot(plane.axes[1], v)];
}

/** k points of the contour {Σ^{½}(cos t, sin t)} of a 2×2 SPD matrix, closed (first = last). */
export function ellipsePoints(sigma2: Mat, k = 64): [number, number][] {
  if (sigma2.n !== 2) throw new RangeError('ellipsePoints: needs a 2×2 matrix');
  const root = sqrtm(sigma2);
  return Array.from({ length: k + 1 }, (_, i) => {
    const t = (2 * Math.PI * i) / k;
    const p = matVec(root, [Math.cos(t), Math.sin(t)]);
    return [p[0]!, p[1]!];
  });
}
