/**
 * Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", Algorithm 1), written against the same `AttackStep` threat
 * models as PGD: the step supplies the projection, the steepest-ascent direction and the random
 * start; APGD adds its own per-example step size η (from 2ε, halved at the checkpoints of
 * `apgdSchedule.ts`), the momentum α = 0.75, and restarts from the best point after a halving.
 *
 *   z      = P(x_k + η·dir(∇f(x_k)))
 *   x_k+1  = P(x_k + α(z − x_k) + (1 − α)(x_k − x_k−1))      (α = 1 at the first step)
 *
 * One run maximises `objective`'s per-example loss (CE, DLR or targeted DLR, `losses.ts`) and
 * reports, per example, a point where the model no longer predicts the label if any iterate
 * reached one, otherwise the iterate of highest loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients';
import { cancellationPoint } from '../types';
import type { AttackStep } from './attackStep';
import { APGD_MOMENTUM, apgdCheckpoints, shouldHalve } from './apgdSchedule';
import { perExampleShape, selectPerExample } from './norms';
import { lossAndGrad, tfjsSeed, type Objective } from './pgd';

export interface ApgdRunConfig {
  /** Threat model: its ε, projection, direction and random start (its stepSize is not used). */
  step: AttackStep;
  /** The loss to maximise, with the prediction. */
  objective: Objective;
  /** True labels: an example is broken when the prediction differs from its label. */
  labels: tf.Tensor1D;
  iterations: number;
  /** Start at `step.randomPerturb(x)` (the reference always does). Default true. */
  randomStart?: boolean;
  seed?: number;
  /** Gradients averaged per iterate (expectation over transformation, for randomised models). */
  eotIterations?: number;
  signal?: AbortSignal;
  /** After each iteration: how many are done and the mean best loss (a sync read it already made). */
  onIteration?: (iteration: number, meanBestLoss: number) => void;
  /** Debug hook: iterate i (0 the start). Valid only during the call; do not keep or dispose it. */
  inspect?: (iteration: number, x: tf.Tensor4D) => void;
}

export interface ApgdRun {
  /** Per example: a misclassified iterate if one was found, else the best-loss iterate. Caller owns it. */
  adv: tf.Tensor4D;
  success: boolean[];
  bestLoss: Float32Array;
}

/** Loss, gradient (averaged over `eot` evaluations) and prediction at x; the caller owns all three. */
function evaluateAt(objective: Objective, x: tf.Tensor4D, ones: tf.Tensor1D, eot: number) {
  let r = lossAndGrad(objective, x, ones);
  if (eot <= 1) return r;
  let sum: tf.Tensor4D = r.grad;
  for (let e = 1; e < eot; e++) {
    tf.dispose([r.losses, ...(r.pred ? [r.pred] : [])]);
    r = lossAndGrad(objective, x, ones);
    const next = tf.add<tf.Tensor4D>(sum, r.grad);
    tf.dispose([sum, r.grad]);
    sum = next;
  }
  const grad = tf.div<tf.Tensor4D>(sum, eot);
  sum.dispose();
  return { ...r, grad };
}

/** A [n] boolean tensor from a JS array (tf.where masks). */
function maskOf(flags: ArrayLike<boolean>): tf.Tensor1D {
  return tf.tensor1d(Array.from(flags), 'bool');
}

/**
 * The APGD move from x_k (x_k−1 before it, ∇ at x_k): z = P(x_k + η·dir(∇)), then
 * P(x_k + α(z − x_k) + (1 − α)(x_k − x_k−1)), η per example. The caller owns the result.
 */
export function apgdUpdate(
  step: AttackStep,
  x: tf.Tensor4D,
  xPrev: tf.Tensor4D,
  grad: tf.Tensor4D,
  eta: Float32Array,
  alpha: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const etaT = tf.tensor(eta, perExampleShape(x));
    const z = step.project(tf.add(x, tf.mul(etaT, step.ascentDirection(grad))));
    const moved = tf.add(
      tf.add(x, tf.mul(tf.sub(z, x), alpha)),
      tf.mul(tf.sub(x, xPrev), 1 - alpha),
    );
    return step.project(moved) as tf.Tensor4D;
  });
}

export async function runApgd(x0: tf.Tensor4D, cfg: ApgdRunConfig): Promise<ApgdRun> {
  const { step, objective } = cfg;
  const n = x0.shape[0];
  const eot = cfg.eotIterations ?? 1;
  const labels = (await cfg.labels.data()) as Int32Array;
  const ones = tf.ones<tf.Rank.R1>([n]);
  const eta = new Float32Array(n).fill(2 * step.eps);
  const checkpoints = apgdCheckpoints(cfg.iterations);
  const held: Record<'x' | 'xPrev' | 'grad' | 'xBest' | 'gradBest' | 'xBestAdv', tf.Tensor4D> =
    {} as never;
  const swap = (k: keyof typeof held, t: tf.Tensor4D) => {
    held[k]?.dispose();
    held[k] = t;
  };
  try {
    swap(
      'x',
      cfg.randomStart === false ? tf.clone(x0) : step.randomPerturb(x0, tfjsSeed(cfg.seed)),
    );
    cfg.inspect?.(0, held.x);
    let r = evaluateAt(objective, held.x, ones, eot);
    swap('grad', r.grad);
    const first = Float32Array.from((await r.losses.data()) as Float32Array);
    const history: Float32Array[] = [first];
    const bestLoss = Float32Array.from(first);
    const success = new Array<boolean>(n).fill(false);
    const firstPred = (await r.pred!.data()) as Int32Array;
    for (let e = 0; e < n; e++) success[e] = firstPred[e] !== labels[e];
    tf.dispose([r.losses, r.pred!]);
    swap('xBest', tf.clone(held.x));
    swap('gradBest', tf.clone(held.grad));
    swap('xBestAdv', tf.clone(held.x));
    swap('xPrev', tf.clone(held.x));
    const halvedLast = new Array<boolean>(n).fill(true); // the reference starts "reduced"
    const bestAtLast = Float32Array.from(bestLoss);
    let lastCheck = 0;
    let nextCheck = 0;
    for (let i = 0; i < cfg.iterations; i++) {
      await cancellationPoint(cfg.signal, 'attack');
      const alpha = i > 0 ? APGD_MOMENTUM : 1;
      const next = apgdUpdate(step, held.x, held.xPrev, held.grad, eta, alpha);
      swap('xPrev', held.x);
      held.x = next;
      cfg.inspect?.(i + 1, held.x);
      r = evaluateAt(objective, held.x, ones, eot);
      swap('grad', r.grad);
      const loss = Float32Array.from((await r.losses.data()) as Float32Array);
      const pred = (await r.pred!.data()) as Int32Array;
      tf.dispose([r.losses, r.pred!]);
      history.push(loss);
      const broken = new Array<boolean>(n);
      const improved = new Array<boolean>(n);
      for (let e = 0; e < n; e++) {
        broken[e] = pred[e] !== labels[e];
        if (broken[e]) success[e] = true;
        improved[e] = loss[e]! > bestLoss[e]!;
        if (improved[e]) bestLoss[e] = loss[e]!;
      }
      const brokenMask = maskOf(broken);
      const improvedMask = maskOf(improved);
      swap('xBestAdv', selectPerExample(brokenMask, held.x, held.xBestAdv));
      swap('xBest', selectPerExample(improvedMask, held.x, held.xBest));
      swap('gradBest', selectPerExample(improvedMask, held.grad, held.gradBest));
      tf.dispose([brokenMask, improvedMask]);
      if (i + 1 === checkpoints[nextCheck]) {
        const k = i + 1 - lastCheck;
        const halve = new Array<boolean>(n);
        for (let e = 0; e < n; e++) {
          let rises = 0;
          for (let j = lastCheck; j < i + 1; j++)
            if (history[j + 1]![e]! > history[j]![e]!) rises++;
          halve[e] = shouldHalve(rises, k, halvedLast[e]!, bestAtLast[e]!, bestLoss[e]!);
          halvedLast[e] = halve[e]!;
          bestAtLast[e] = bestLoss[e]!;
          if (halve[e]) eta[e] = eta[e]! / 2;
        }
        if (halve.some(Boolean)) {
          // Restart from the best point: its gradient is the one stored with it.
          const m = maskOf(halve);
          swap('x', selectPerExample(m, held.xBest, held.x));
          swap('grad', selectPerExample(m, held.gradBest, held.grad));
          m.dispose();
        }
        lastCheck = i + 1;
        nextCheck++;
      }
      if (cfg.onIteration) {
        let sum = 0;
        for (let e = 0; e < n; e++) sum += bestLoss[e]!;
        cfg.onIteration(i, n ? sum / n : 0);
      }
    }
    const successMask = maskOf(success);
    const adv = selectPerExample(successMask, held.xBestAdv, held.xBest);
    successMask.dispose();
    return { adv, success, bestLoss };
  } finally {
    tf.dispose(Object.values(held));
    ones.dispose();
  }
}
