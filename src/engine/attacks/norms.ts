/**
 * Per-example tensor helpers shared by the attack steps and the attack loop.
 *
 * Every attack tensor is batch-first; "per example" means "over all non-batch dims",
 * as in robustness's `attack_steps.py` (`g.view(g.shape[0], -1)` norms, `renorm(p=2, dim=0)`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Guard against division by a zero norm: the library adds 1e-10 in `L2Step.step`/`random_perturb`. */
export const NORM_GUARD = 1e-10;

/**
 * torch's `renorm` divides by `norm + 1e-7` when rescaling; we keep that constant so a
 * renormalised perturbation has exactly the library's (infinitesimally-inside) radius.
 */
export const RENORM_GUARD = 1e-7;

/** Shape [n, 1, 1, …] matching `x`'s rank, so a per-example value broadcasts over the example. */
export function perExampleShape(x: tf.Tensor): number[] {
  return [x.shape[0] ?? 1, ...new Array<number>(x.rank - 1).fill(1)];
}

/** L2 norm of each example over all non-batch dims, shaped [n, 1, 1, …] for broadcasting. */
export function perExampleL2Norm(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.reshape(rowL2Norms(tf.reshape<tf.Rank.R2>(x, [x.shape[0] ?? 1, -1])), perExampleShape(x)),
  );
}

/**
 * ‖x_i‖₂ of each row, as √(Σ x²). Not tf.norm(x, 2, 1): that computes Σ|x|^p through the
 * general Pow kernel, which the wasm backend runs as a scalar pow() per element, where Square is
 * one vector pass (CHANGELOG.md, 0.1.0, session 6).
 */
export function rowL2Norms(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum<tf.Tensor1D>(tf.square(x), 1)));
}

/**
 * Rescales each example whose L2 norm exceeds `maxNorm` down to `maxNorm`; others are untouched.
 * Same semantics as `Tensor.renorm(p=2, dim=0, maxnorm)` used by `L2Step.project`.
 */
export function renormPerExample<T extends tf.Tensor>(x: T, maxNorm: number): T {
  return tf.tidy(() => {
    const norm = perExampleL2Norm(x);
    const scale = tf.where(
      tf.greater(norm, maxNorm),
      tf.div(maxNorm, tf.add(norm, RENORM_GUARD)),
      tf.onesLike(norm),
    );
    return tf.mul<T>(x, scale);
  });
}

/**
 * Per-example select: `mask[i] ? a[i] : b[i]`. tf.where broadcasts numpy-style (trailing dims
 * first), so a rank-1 mask must be reshaped to [n, 1, 1, …] before it can select whole examples.
 */
export function selectPerExample<T extends tf.Tensor>(mask: tf.Tensor1D, a: T, b: T): T {
  return tf.tidy(() => tf.where<T>(tf.reshape(mask, perExampleShape(a)), a, b));
}

/**
 * x + stepSize · g / (‖g‖₂ + guard), per example: the steepest-ascent step for the ℓ2 norm
 * (shared by L2Step and UnconstrainedStep; the guard keeps a zero gradient a zero step, not NaN).
 */
export function l2NormalizedStep<T extends tf.Tensor>(x: T, g: T, stepSize: number): T {
  return tf.tidy(() => tf.add<T>(x, tf.mul(l2Direction(g), stepSize)));
}

/** g / (‖g‖₂ + guard) per example: the unit ℓ2 steepest-ascent direction. */
export function l2Direction<T extends tf.Tensor>(g: T): T {
  return tf.tidy(() => tf.div<T>(g, tf.add(perExampleL2Norm(g), NORM_GUARD)));
}
