/**
 * Typed options and result of `attack()` (robustness `Attacker.forward` keyword arguments, as a
 * typed object rather than an `args` bag; docs/ARCHITECTURE.md, "Layers").
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AttackStepFactory, ThreatModel } from './attackStep';

/** The model under attack: images in [0,1], NHWC → logits. Any input normalisation is its job. */
export type AttackModel = (x: tf.Tensor4D) => tf.Tensor2D;

/**
 * A per-example loss replacing cross-entropy (robustness `custom_loss(model, x, target)`, which
 * returns `(loss, None)`; here just the [n] loss). Representation inversion passes a target
 * representation as `target` and a distance as the loss, with `targeted: true` to minimise it.
 */
export type CustomLoss<T extends tf.Tensor> = (
  model: AttackModel,
  x: tf.Tensor4D,
  target: T,
) => tf.Tensor1D;

export interface AttackOptions<T extends tf.Tensor = tf.Tensor1D> {
  /** Threat model from the registry, or a caller's own step (library: `constraint`). */
  norm: ThreatModel | AttackStepFactory;
  /** Radius of the perturbation set (ignored by 'unconstrained'). */
  eps: number;
  /** Step size per iteration (library: `step_size`; see `defaults.ts` for the 2.5·ε/steps rule). */
  stepSize: number;
  /** Number of gradient steps. FGSM: 1 step of 'linf' with stepSize = eps and no random start. */
  iterations: number;
  /** Minimise the loss towards `target` instead of maximising it w.r.t. the label. Default false. */
  targeted?: boolean;
  /** Start from `step.randomPerturb(x)` instead of x. Default false (as in robustness). */
  randomStart?: boolean;
  /**
   * Run the whole attack this many times, each from a fresh random start, and keep per example
   * a run where the attack succeeded (see `attack.ts`). 0/undefined: a single run.
   */
  randomRestarts?: number;
  /** Return, per example, the iterate with the best loss rather than the last. Default true. */
  useBest?: boolean;
  /** Replaces cross-entropy; with it, `success` and `predictions` are not reported. */
  customLoss?: CustomLoss<T>;
  /** Centre of the feasible set if not `x` (library: `orig_input`). Same shape as x. */
  origInput?: tf.Tensor4D;
  /** Checked between iterations; the attack then rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Seed for the random start; restart r uses seed + r. Unseeded if undefined. */
  seed?: number;
  /** Progress, like the library's tqdm line: mean loss at iterate i (before its step). Costs a sync read. */
  onIteration?: (iteration: number, meanLoss: number, restart: number) => void;
  /**
   * Debug hook: every iterate the attack evaluates (i = 0 … iterations, the last being the final
   * point). The tensor is only valid during the call; do not keep or dispose it.
   */
  inspect?: (iteration: number, x: tf.Tensor4D, restart: number) => void;
}

export interface AttackResult {
  /** The adversarial batch, same shape as x. The caller owns it and must dispose it. */
  adv: tf.Tensor4D;
  /** Per-example loss at `adv` (cross-entropy to y, or the custom loss), not multiplied by ±1. */
  finalLoss: Float32Array;
  /** argmax of model(adv); absent with a custom loss. */
  predictions?: Int32Array;
  /** Untargeted: prediction ≠ label. Targeted: prediction = target. Absent with a custom loss. */
  success?: boolean[];
}
