/**
 * Theorems 1 and 3 of Ilyas et al. (2019), Section 4, as numbers.
 *
 * Theorem 1 ("adversarial vulnerability from misalignment"): the learned Θ = (μ, Σ) induces
 * the inner product ⟨x, z⟩_Θ = xᵀΣ⁻¹z, i.e. the Mahalanobis metric ‖v‖_{Σ⁻¹} = √(vᵀΣ⁻¹v),
 * while the adversary is limited in ‖·‖₂. Directions where the two disagree most (small
 * variance: ‖v‖_{Σ⁻¹} ≫ ‖v‖₂) are where an ℓ2-small move is a large move for the model.
 * Against the Lagrangian adversary max_δ ℓ(x+δ) − C‖δ‖₂², C > 1/σ_min(Σ*), the standard MLE
 * (Σ = Σ*) suffers
 *   L_adv(Θ) − L(Θ) = tr[(I + (C·Σ* − I)⁻¹)²] − d,                                  (Thm 1)
 * with ℓ normalised as (x−μ)ᵀΣ⁻¹(x−μ) + log det Σ (twice the NLL, constants dropped), the
 * normalisation under which this formula holds; for fixed tr(Σ*) = k it is smallest at
 * Σ* = (k/d)·I, i.e. when the data metric is aligned with ℓ2.
 *
 * Theorem 3 ("gradient interpretability"): the classifier sign(xᵀΣ⁻¹μ) has input gradient
 * along w = Σ⁻¹μ at every x; the robust model's w_r = Σ_r⁻¹μ* makes a smaller angle with
 * μ* (the direction between the class means) than the standard w = Σ*⁻¹μ*.
 */
import {
  type Mat,
  type Vec,
  angleDeg,
  dot,
  matVec,
  norm2,
  quadForm,
  trace,
  addIdentity,
  scale,
  matmul,
} from './linalg';
import { eigSym, invSpd } from './eigen';

/** ‖v‖_{Σ⁻¹} = √(vᵀΣ⁻¹v). */
export function mahalanobisNorm(v: Vec, sigma: Mat): number {
  return Math.sqrt(quadForm(invSpd(sigma), v));
}

/** Thm 1's right side, literally: tr[(I + (CΣ* − I)⁻¹)²] − d. */
export function adversarialLossGap(sigmaStar: Mat, C: number): number {
  const minEig = eigSym(sigmaStar).values[0]!;
  if (!(C > 1 / minEig))
    throw new RangeError(`Theorem 1 needs C > 1/σ_min(Σ*) = ${1 / minEig}, got C = ${C}`);
  const A = addIdentity(invSpd(addIdentity(scale(sigmaStar, C), -1)), 1);
  return trace(matmul(A, A)) - sigmaStar.n;
}

/** The angle (degrees) between the model's input gradient Σ⁻¹μ and μ*: Thm 3's quantity. */
export function gradientAngleDeg(sigma: Mat, mu: Vec, muStar: Vec = mu): number {
  return angleDeg(matVec(invSpd(sigma), mu), muStar);
}

export interface DirectionReport {
  /** Unit direction (an eigenvector of Σ* unless given). */
  direction: number[];
  /** Variance of the data along it, vᵀΣ*v. */
  dataVariance: number;
  /** ‖v‖_{Σ*⁻¹} / ‖v‖₂: how much larger a move along v is in the data's metric than in ℓ2. */
  misalignment: number;
  /** Smallest ℓ2 step along ±v that flips the model's decision at x (∞ if the model ignores v). */
  flipEpsL2: number;
  /** The same step measured in the data's metric: flipEpsL2 · ‖v‖_{Σ*⁻¹}. */
  flipEpsMahalanobis: number;
}

/**
 * For a model with decision weights w = Σ⁻¹μ and a correctly classified point x (class +1,
 * margin m = wᵀx > 0), a move t·v changes the score by t·wᵀv, so the flip needs t = m/|wᵀv|.
 */
export function directionReport(sigmaStar: Mat, w: Vec, x: Vec, v: Vec): DirectionReport {
  const unit = v.map((a) => a / norm2(v));
  const margin = dot(w, x);
  const wv = Math.abs(dot(w, unit));
  const misalignment = mahalanobisNorm(unit, sigmaStar);
  const flipEpsL2 = wv === 0 ? Infinity : margin / wv;
  return {
    direction: Array.from(unit),
    dataVariance: quadForm(sigmaStar, unit),
    misalignment,
    flipEpsL2,
    flipEpsMahalanobis: flipEpsL2 * misalignment,
  };
}

export interface MisalignmentReport {
  /** Along each eigenvector of Σ*, ascending variance (the first is the most non-robust). */
  eigenDirections: DirectionReport[];
  /** Smallest ℓ2 perturbation flipping the decision at x: m/‖w‖₂ (along w). */
  minFlipEpsL2: number;
  /** Smallest perturbation in the data metric ‖·‖_{Σ*⁻¹}: m/√(wᵀΣ*w) (dual norm). */
  minFlipEpsMahalanobis: number;
}

/** Thm 1's picture for a model (w = Σ⁻¹μ) at the point x (default: the class mean μ*). */
export function misalignmentReport(
  sigmaStar: Mat,
  sigma: Mat,
  mu: Vec,
  x: Vec,
): MisalignmentReport {
  const w = matVec(invSpd(sigma), mu);
  const { vectors } = eigSym(sigmaStar);
  const d = sigmaStar.n;
  const eigenDirections = Array.from({ length: d }, (_, k) =>
    directionReport(
      sigmaStar,
      w,
      x,
      Float64Array.from({ length: d }, (_, i) => vectors.data[i * d + k]!),
    ),
  );
  const margin = dot(w, x);
  return {
    eigenDirections,
    minFlipEpsL2: margin / norm2(w),
    minFlipEpsMahalanobis: margin / Math.sqrt(quadForm(sigmaStar, w)),
  };
}
