/**
 * One run of projected gradient ascent: the library's inner `get_adv_examples` in
 * robustness `attacker.Attacker.forward`. `attack.ts` adds restarts and reporting on top.
 *
 * Per iteration: one forward + one backward (tf.valueAndGrad of the per-example losses with
 * dy = m, i.e. the gradient of m·Σ losses), then step + project, a few element-wise ops. No
 * sync read unless a progress hook asks for one. The library differentiates the *mean* loss; the
 * sum gives each example its own gradient independent of batch size, and since every shipped
 * step normalises the gradient (sign or unit ℓ2 norm) the iterates are the same.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has no gradient functions (tfjs-layers registers them on import); the attack
// needs them whether or not the model came from tfjs-layers. Registration is idempotent.
import '../backend/gradients';
import { cancellationPoint } from '../types';
import type { AttackStep } from './attackStep';
import { BestIterate } from './bestIterate';

/** What the attack optimises: per-example loss and (for cross-entropy) the predicted class. */
export interface Objective {
  evaluate(x: tf.Tensor4D): { losses: tf.Tensor1D; pred?: tf.Tensor1D };
}

/**
 * tfjs's seeded random ops treat a seed of 0 as no seed at all (they fall back to Math.random), so
 * seed 0 — the default everywhere — would make random starts irreproducible. Shift non-negative
 * seeds by one (injective, so distinct seeds stay distinct).
 */
export function tfjsSeed(seed: number | undefined): number | undefined {
  return seed === undefined ? undefined : seed >= 0 ? seed + 1 : seed;
}

export interface PgdConfig {
  step: AttackStep;
  objective: Objective;
  /** +1: ascend the loss (untargeted). −1: descend it (targeted). */
  m: 1 | -1;
  iterations: number;
  useBest: boolean;
  randomStart: boolean;
  seed?: number;
  restart: number;
  signal?: AbortSignal;
  onIteration?: (iteration: number, meanLoss: number, restart: number) => void;
  inspect?: (iteration: number, x: tf.Tensor4D, restart: number) => void;
}

/** The returned point, its loss and prediction; all owned by the caller. */
export interface PgdRun {
  adv: tf.Tensor4D;
  loss: tf.Tensor1D;
  pred?: tf.Tensor1D;
}

/** Per-example losses at x, their gradient (weighted by dy) and the prediction, in one pass. */
export function lossAndGrad(
  objective: Objective,
  x: tf.Tensor4D,
  dy: tf.Tensor1D,
): { losses: tf.Tensor1D; grad: tf.Tensor4D; pred?: tf.Tensor1D } {
  let pred: tf.Tensor1D | undefined;
  const { value, grad } = tf.valueAndGrad((xx: tf.Tensor4D) => {
    const r = objective.evaluate(xx);
    // Created inside the gradient's forward scope: keep it or tfjs disposes it on the way out.
    if (r.pred) pred = tf.keep(r.pred);
    return r.losses;
  })(x, dy);
  return { losses: value, grad, pred };
}

/**
 * One PGD iteration from `x`: loss and gradient (one forward and one backward pass), then the
 * step and the projection. `x` is neither kept nor disposed; the caller owns `next`, `losses`
 * and `pred`. `onLosses` sees the losses before the step (progress reporting). This is the whole
 * per-iteration cost of an attack, and what `bench` times as "a PGD step".
 */
export function pgdIteration(
  objective: Objective,
  step: AttackStep,
  x: tf.Tensor4D,
  dy: tf.Tensor1D,
  onLosses?: (losses: tf.Tensor1D) => void,
): { next: tf.Tensor4D; losses: tf.Tensor1D; pred?: tf.Tensor1D } {
  let losses: tf.Tensor1D;
  let pred: tf.Tensor1D | undefined;
  let grad: tf.Tensor4D | undefined;
  if (step.useGrad) ({ losses, grad, pred } = lossAndGrad(objective, x, dy));
  else ({ losses, pred } = tf.tidy(() => objective.evaluate(x)));
  onLosses?.(losses);
  const next = tf.tidy(() => step.project(step.step(x, grad)));
  grad?.dispose();
  return { next, losses, pred };
}

export async function runPgd(x0: tf.Tensor4D, cfg: PgdConfig): Promise<PgdRun> {
  const { step, objective, m } = cfg;
  const n = x0.shape[0];
  const best = new BestIterate(m);
  const dy = tf.fill<tf.Rank.R1>([n], m);
  // Random start "to escape certain types of gradient masking" (library comment).
  let x: tf.Tensor4D = cfg.randomStart ? step.randomPerturb(x0, tfjsSeed(cfg.seed)) : tf.clone(x0);
  let xOwned = true; // false once x has been handed to the result
  try {
    for (let i = 0; i < cfg.iterations; i++) {
      await cancellationPoint(cfg.signal, 'attack');
      cfg.inspect?.(i, x, cfg.restart);
      const it = pgdIteration(objective, step, x, dy, (losses) => {
        if (!cfg.onIteration) return;
        const mean = tf.mean(losses);
        const value = mean.dataSync()[0] ?? NaN; // the only sync read, and only when asked for
        mean.dispose();
        cfg.onIteration(i, value, cfg.restart);
      });
      // The loss belongs to the iterate *before* this step, as in the library.
      if (cfg.useBest) best.offer(x, it.losses, it.pred);
      else tf.dispose([it.losses, ...(it.pred ? [it.pred] : [])]);
      x.dispose();
      x = it.next;
    }
    cfg.inspect?.(cfg.iterations, x, cfg.restart);
    const last = tf.tidy(() => objective.evaluate(x));
    if (!cfg.useBest) {
      // The library skips this forward when !use_best; we pay it to report loss and success.
      xOwned = false;
      return { adv: x, loss: last.losses, pred: last.pred };
    }
    best.offer(x, last.losses, last.pred);
    return best.release();
  } finally {
    if (xOwned) x.dispose();
    best.dispose();
    dy.dispose();
  }
}
