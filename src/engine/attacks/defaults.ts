/**
 * Standard attack settings, as named constants, so experiments and the UI do not scatter magic
 * numbers. Sources: MadryLab/robustness (`defaults.py`, `docs/example_usage/cli_usage.rst`,
 * `input_space_manipulation.rst`), MadryLab/constructed-datasets README, and Ilyas et al. 2019
 * Appendix C for the paper's CIFAR-10 settings (ℓ2, pixels in [0,1]).
 * Values marked [appendix] are quoted from the paper's Appendix C from memory and were not
 * re-checked against the PDF when written; the others are in the cited library files.
 */
import type { AttackOptions } from './types';

/**
 * Default step size 2.5·ε/steps: the rule robustness's README states for evaluating its
 * pretrained models ("20-step and 100-step PGD with a step size of 2.5 * ε-test / num_steps").
 * The steps add up to 2.5·ε, so the iterate can reach the boundary of the ball from any start
 * and still move along it.
 */
export function defaultStepSize(eps: number, steps: number): number {
  if (!(steps > 0)) throw new Error(`defaultStepSize: steps must be > 0, got ${steps}`);
  return (2.5 * eps) / steps;
}

/** robustness `defaults.py`: `--attack-steps` default 7, `--use-best` default 1, restarts 0, random start 0. */
export const LIBRARY_DEFAULTS = {
  attackSteps: 7,
  useBest: true,
  randomRestarts: 0,
  randomStart: false,
} as const;

/** robustness README: its pretrained models are evaluated with 20- and 100-step PGD. */
export const LIBRARY_EVAL_STEPS = [20, 100] as const;

/** [appendix] Paper, CIFAR-10 ℓ2 adversarial training (Appendix C.2): ε = 0.5, 7 steps, step size 0.1. */
export const PAPER_CIFAR_L2_TRAIN = { norm: 'l2', eps: 0.5, iterations: 7, stepSize: 0.1 } as const;

/** Paper, Restricted ImageNet ℓ2 adversarial training; also robustness's CLI example: ε = 3, 7 steps, 0.5. */
export const PAPER_RIMAGENET_L2_TRAIN = {
  norm: 'l2',
  eps: 3.0,
  iterations: 7,
  stepSize: 0.5,
} as const;

/** The ε at which the paper / constructed-datasets README report ℓ2 robust accuracy on CIFAR-10. */
export const PAPER_CIFAR_L2_EVAL_EPS = 0.25;

/** robustness's CLI evaluation example for CIFAR-10: ℓ2 ε = 0.5, 100 steps of size 0.1. */
export const LIBRARY_CIFAR_L2_EVAL = {
  norm: 'l2',
  eps: 0.5,
  iterations: 100,
  stepSize: 0.1,
} as const;

/**
 * [appendix] D_rand / D_det (paper §3.2, Appendix C.5): targeted ℓ2-PGD on a standard model, ε = 0.5,
 * step size 0.1, 100 iterations. D_det's target is t = (y + 1) mod C (constructed-datasets README).
 */
export const PAPER_CIFAR_NONROBUST_DATASET = {
  norm: 'l2',
  eps: 0.5,
  iterations: 100,
  stepSize: 0.1,
  targeted: true,
} as const;

/**
 * [appendix] D_R / D_NR (paper §3.1, Appendix C.4): normalised gradient descent on ‖g(x_r) − g(x)‖₂ from
 * another image, step size 0.1, 1000 iterations. 'unconstrained' ignores ε.
 */
export const PAPER_CIFAR_ROBUST_DATASET = {
  norm: 'unconstrained',
  eps: Infinity,
  iterations: 1000,
  stepSize: 0.1,
  targeted: true,
} as const;

/** ℓ∞ budget conventional for CIFAR-10 (8/255, Madry et al. 2018) with the usual 2/255 step; not used by the paper's main results. */
export const CIFAR_LINF_EPS = 8 / 255;
export const CIFAR_LINF_STEP = 2 / 255;

/**
 * FGSM (Goodfellow et al. 2015) as a special case of `attack()`: one ℓ∞ step of size ε from the
 * clean point. `useBest: false` returns the stepped point itself, as FGSM is defined; with the
 * library's default `useBest: true` the clean point would be kept where the step lowered the loss.
 */
export function fgsmOptions(eps: number): AttackOptions {
  return { norm: 'linf', eps, stepSize: eps, iterations: 1, randomStart: false, useBest: false };
}

/** Standard PGD options with the 2.5·ε/steps step size and the library's defaults. */
export function pgdOptions(
  norm: 'l2' | 'linf',
  eps: number,
  steps: number = LIBRARY_DEFAULTS.attackSteps,
): AttackOptions {
  return {
    norm,
    eps,
    stepSize: defaultStepSize(eps, steps),
    iterations: steps,
    useBest: LIBRARY_DEFAULTS.useBest,
    randomStart: LIBRARY_DEFAULTS.randomStart,
  };
}
