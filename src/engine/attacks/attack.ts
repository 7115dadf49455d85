/**
 * The one attack routine (docs/ARCHITECTURE.md, "Layers"): projected gradient ascent under a threat model from the
 * step registry, untargeted or targeted, with random start / random restarts / best-iterate
 * selection / custom loss — the semantics of MadryLab/robustness `attacker.Attacker.forward`.
 * FGSM, PGD, targeted PGD for D_rand/D_det (Ilyas et al. 2019 §3.2) and representation inversion
 * for D_R/D_NR (§3.1, a custom loss with 'unconstrained') are all calls of this function.
 *
 * Differences from the library, on purpose:
 * - Random restarts always use a random start (the library repeats an identical deterministic
 *   attack when `random_start` is off, which only costs time).
 * - Restart selection for *targeted* attacks keeps a run that reached the target. The library
 *   tests `~accuracy(output, target)` for both kinds, which for a targeted attack keeps the
 *   runs that *missed* the target; we apply the evident intent (keep successes) to both.
 * - With a custom loss there is no notion of success, so restarts keep the run with the best
 *   loss (the library's docstring: "take the worst attack (in terms of loss) per input").
 * - `useBest: false` costs one forward pass more than the library, to report loss and success.
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyPerExample } from './losses';
import { selectPerExample } from './norms';
import { runPgd, type Objective, type PgdConfig, type PgdRun } from './pgd';
import { makeStep } from './steps';
import type { AttackModel, AttackOptions, AttackResult } from './types';

export type { AttackModel, AttackOptions, AttackResult, CustomLoss } from './types';

function validate<T extends tf.Tensor>(x: tf.Tensor4D, target: T, opts: AttackOptions<T>): void {
  const bad = (msg: string): never => {
    throw new Error(`attack: ${msg}`);
  };
  if (x.rank !== 4) bad(`x must be NHWC (rank 4), got shape [${x.shape.join(', ')}]`);
  if (target.shape[0] !== x.shape[0])
    bad(`target has ${target.shape[0]} rows but x has ${x.shape[0]} examples`);
  if (!opts.customLoss && target.rank !== 1)
    bad('without a custom loss, target must be a rank-1 tensor of class indices');
  if (!Number.isInteger(opts.iterations) || opts.iterations < 0)
    bad(`iterations must be an integer ≥ 0, got ${opts.iterations}`);
  if (!(opts.stepSize >= 0) || !Number.isFinite(opts.stepSize))
    bad(`stepSize must be finite and ≥ 0, got ${opts.stepSize}`);
  if (opts.norm !== 'unconstrained' && !(opts.eps >= 0)) bad(`eps must be ≥ 0, got ${opts.eps}`);
  const restarts = opts.randomRestarts ?? 0;
  if (!Number.isInteger(restarts) || restarts < 0)
    bad(`randomRestarts must be an integer ≥ 0, got ${restarts}`);
  if (opts.origInput && !tf.util.arraysEqual(opts.origInput.shape, x.shape))
    bad('origInput must have the shape of x');
}

/** Untargeted: the model no longer predicts the label. Targeted: it predicts the target. */
function successMask(pred: tf.Tensor1D, labels: tf.Tensor1D, targeted: boolean): tf.Tensor1D {
  return targeted ? tf.equal(pred, labels) : tf.notEqual(pred, labels);
}

/** Cross-entropy against `labels`, with the predicted class (the untargeted/targeted objective). */
export function crossEntropyObjective(model: AttackModel, labels: tf.Tensor1D): Objective {
  return {
    evaluate: (x) => {
      const logits = model(x);
      return {
        losses: crossEntropyPerExample(logits, labels),
        pred: tf.argMax<tf.Tensor1D>(logits, 1),
      };
    },
  };
}

/** Per example, `replace ? b : a` over a whole run (image, loss, prediction); disposes a and b. */
function mergeRuns(replace: tf.Tensor1D, a: PgdRun, b: PgdRun): PgdRun {
  const merged: PgdRun = {
    adv: selectPerExample(replace, b.adv, a.adv),
    loss: tf.where(replace, b.loss, a.loss),
    pred: a.pred && b.pred ? tf.where(replace, b.pred, a.pred) : undefined,
  };
  disposeRun(a);
  disposeRun(b);
  return merged;
}

function disposeRun(r: PgdRun | undefined): void {
  if (r) tf.dispose([r.adv, r.loss, ...(r.pred ? [r.pred] : [])]);
}

/**
 * Attacks `x` (NHWC in [0,1]) against `model`. `target` is the true label for an untargeted
 * attack, the target class for a targeted one (int32 class indices), or whatever the custom
 * loss takes (e.g. a target representation). Resolves to a new tensor the caller must dispose;
 * `x`, `target` and `origInput` are neither kept nor disposed.
 */
export async function attack<T extends tf.Tensor = tf.Tensor1D>(
  model: AttackModel,
  x: tf.Tensor4D,
  target: T,
  opts: AttackOptions<T>,
): Promise<AttackResult> {
  validate(x, target, opts);
  const targeted = opts.targeted ?? false;
  const m = targeted ? -1 : 1;
  const restarts = opts.randomRestarts ?? 0;
  const customLoss = opts.customLoss;
  const labels = customLoss ? undefined : (tf.cast(target, 'int32') as tf.Tensor1D);
  const objective: Objective = customLoss
    ? { evaluate: (xx) => ({ losses: customLoss(model, xx, target) }) }
    : crossEntropyObjective(model, labels!);
  const base: PgdConfig = {
    step: makeStep(opts.norm, opts.origInput ?? x, opts.eps, opts.stepSize),
    objective,
    m,
    iterations: opts.iterations,
    useBest: opts.useBest ?? true,
    randomStart: opts.randomStart ?? false,
    seed: opts.seed,
    restart: 0,
    signal: opts.signal,
    onIteration: opts.onIteration,
    inspect: opts.inspect,
  };

  let result: PgdRun | undefined;
  try {
    if (restarts === 0) {
      result = await runPgd(x, base);
    } else {
      for (let r = 0; r < restarts; r++) {
        const seed = opts.seed === undefined ? undefined : opts.seed + r;
        const run = await runPgd(x, { ...base, randomStart: true, seed, restart: r });
        if (!result) {
          result = run; // library: `to_ret` starts as the first restart's result
          continue;
        }
        const prev: PgdRun = result;
        // Library: `to_ret[misclass] = adv[misclass]`, so the last successful restart wins.
        const replace = tf.tidy(() =>
          labels && run.pred
            ? successMask(run.pred, labels, targeted)
            : tf.less<tf.Tensor1D>(tf.mul(prev.loss, m), tf.mul(run.loss, m)),
        );
        result = mergeRuns(replace, prev, run); // disposes prev and run
        replace.dispose();
      }
    }
    if (!result) throw new Error('attack: no run produced a result');
    const finalLoss = (await result.loss.data()) as Float32Array;
    let predictions: Int32Array | undefined;
    let success: boolean[] | undefined;
    if (labels && result.pred) {
      predictions = (await result.pred.data()) as Int32Array;
      const ok = tf.tidy(() => successMask(result!.pred!, labels, targeted));
      success = Array.from(await ok.data(), (v) => v !== 0);
      ok.dispose();
    }
    const adv = result.adv;
    tf.dispose([result.loss, ...(result.pred ? [result.pred] : [])]);
    result = undefined;
    return { adv, finalLoss, predictions, success };
  } finally {
    disposeRun(result);
    labels?.dispose();
  }
}
