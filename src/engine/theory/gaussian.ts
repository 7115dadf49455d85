/**
 * The paper's Gaussian classification model (Ilyas et al. 2019, Section 4, "Setup"):
 *   y ~ uniform{−1, +1},   x ~ N(y·μ*, Σ*),
 * and its standard maximum-likelihood fit Θ = (μ, Σ) = argmin E[ℓ(x; y·μ, Σ)], ℓ the Gaussian
 * negative log-likelihood. Classification is the likelihood test ŷ = sign(xᵀΣ⁻¹μ), so the
 * model's input gradient points along Σ⁻¹μ (used for Theorem 3).
 */
import { type Mat, type Vec, zeros, matVec, symmetrize } from './linalg';
import { compose, invSpd, sqrtm } from './eigen';
import { makeRng, type Rng } from '../formats/rng';

export interface GaussianParams {
  mu: Vec;
  sigma: Mat;
}

/** n labelled samples; x is row-major n×d. */
export interface LabelledSamples {
  n: number;
  d: number;
  x: Float64Array;
  y: Int8Array;
}

/** Draws n pairs (x, y): y = ±1 with probability ½, x = y·μ* + Σ*^{1/2}·z with z ~ N(0, I). */
export function sampleModel(muStar: Vec, sigmaStar: Mat, n: number, seed: number): LabelledSamples {
  const d = muStar.length;
  const root = sqrtm(sigmaStar);
  const rng = makeRng(seed);
  const x = new Float64Array(n * d);
  const y = new Int8Array(n);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const yi = rng.next() < 0.5 ? -1 : 1;
    y[i] = yi;
    for (let k = 0; k < d; k++) z[k] = rng.normal();
    const noise = matVec(root, z);
    for (let k = 0; k < d; k++) x[i * d + k] = yi * muStar[k]! + noise[k]!;
  }
  return { n, d, x, y };
}

/**
 * Standard MLE from samples. With y known, maximising Σᵢ log N(xᵢ; yᵢμ, Σ) gives
 *   μ̂ = (1/n) Σᵢ yᵢxᵢ   (yᵢ² = 1),     Σ̂ = (1/n) Σᵢ (xᵢ − yᵢμ̂)(xᵢ − yᵢμ̂)ᵀ.
 */
export function mleFromSamples(s: LabelledSamples): GaussianParams {
  const { n, d, x, y } = s;
  if (n < 1) throw new RangeError('mleFromSamples: no samples');
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k]! += (y[i]! * x[i * d + k]!) / n;
  const sigma = zeros(d);
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) r[k] = x[i * d + k]! - y[i]! * mu[k]!;
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) sigma.data[a * d + b]! += (r[a]! * r[b]!) / n;
  }
  return { mu, sigma: symmetrize(sigma) };
}

/** Population MLE: the minimiser of E[ℓ(x; y·μ, Σ)] is the truth, (μ*, Σ*). */
export function populationMle(muStar: Vec, sigmaStar: Mat): GaussianParams {
  return { mu: new Float64Array(muStar), sigma: sigmaStar };
}

/** w = Σ⁻¹μ: the classifier sign(xᵀw) and the direction of its input gradient. */
export function decisionWeights(p: GaussianParams): Vec {
  return matVec(invSpd(p.sigma), p.mu);
}

/** Random orthogonal matrix: Gram–Schmidt on a Gaussian matrix (Haar-distributed). */
export function randomOrthogonal(d: number, rng: Rng): Mat {
  const q = zeros(d);
  for (let j = 0; j < d; j++) {
    for (;;) {
      const v = Float64Array.from({ length: d }, rng.normal);
      // Twice-is-enough re-orthogonalisation against earlier columns.
      for (let pass = 0; pass < 2; pass++)
        for (let k = 0; k < j; k++) {
          let c = 0;
          for (let i = 0; i < d; i++) c += v[i]! * q.data[i * d + k]!;
          for (let i = 0; i < d; i++) v[i]! -= c * q.data[i * d + k]!;
        }
      const nv = Math.hypot(...v);
      if (nv < 1e-8) continue;
      for (let i = 0; i < d; i++) q.data[i * d + j] = v[i]! / nv;
      break;
    }
  }
  return q;
}

/** Σ = Q·diag(eigenvalues)·Qᵀ with a seeded random orthogonal Q. */
export function spdFromEigenvalues(eigenvalues: readonly number[], seed: number): Mat {
  return compose(randomOrthogonal(eigenvalues.length, makeRng(seed)), eigenvalues);
}
