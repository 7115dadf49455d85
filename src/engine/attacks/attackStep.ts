/**
 * The attack-step abstraction, after MadryLab/robustness `attack_steps.AttackerStep`: a threat
 * model is three operations on a batch-first input — where to start (`randomPerturb`), how to move
 * given a gradient (`step`, the steepest-ascent direction for the norm) and how to get back into
 * the feasible set (`project`). The PGD loop in `pgd.ts` is written once against this interface.
 *
 * Every method returns a new tensor and disposes its own intermediates (callers own the result).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Threat models shipped in the registry (`steps.ts`). robustness calls them '2', 'inf', 'unconstrained'. */
export type ThreatModel = 'l2' | 'linf' | 'unconstrained';

export interface AttackStep {
  /** Centre of the feasible set (the clean input, or `origInput` if the caller gave one). */
  readonly origInput: tf.Tensor;
  /** Radius of the feasible set (ignored by 'unconstrained'). */
  readonly eps: number;
  readonly stepSize: number;
  /** False for steps that ignore the gradient; the loop then skips the backward pass. */
  readonly useGrad: boolean;
  /**
   * A random point near `x` (robustness `random_perturb`), clipped to [0,1]. `seed` makes it
   * reproducible (tfjs random ops take a seed per call); without it Math.random is used.
   */
  randomPerturb<T extends tf.Tensor>(x: T, seed?: number): T;
  /** One ascent step from `x` along `grad` (the gradient of the quantity to increase). */
  step<T extends tf.Tensor>(x: T, grad: T | undefined): T;
  /**
   * The steepest-ascent direction of unit step for this norm (`step` is x + stepSize · this).
   * APGD moves along it with a step size of its own per example.
   */
  ascentDirection<T extends tf.Tensor>(grad: T): T;
  /** Back into the feasible set and into the image box [0,1]. */
  project<T extends tf.Tensor>(x: T): T;
}

/** Mirrors `AttackerStep.__init__(orig_input, eps, step_size, use_grad=True)`. */
export type AttackStepFactory = (
  origInput: tf.Tensor,
  eps: number,
  stepSize: number,
  useGrad?: boolean,
) => AttackStep;

/** A step that needs a gradient throws on `undefined` rather than silently doing nothing. */
export function requireGrad<T>(grad: T | undefined, who: string): T {
  if (grad === undefined)
    throw new Error(`${who}.step needs a gradient (useGrad is true for this step)`);
  return grad;
}
