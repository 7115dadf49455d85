/**
 * FAB-T as a whole attack, as AutoAttack runs it (the reference's `FABAttack.perturb` with
 * `targeted=True`): one run per target class (the 2nd, 3rd, … largest clean logit) and restart,
 * each on the examples no earlier run broke (`targetedRuns.ts`); the first restart starts at the
 * clean point, later ones at a random point ε/2 away. An example counts as broken only if the
 * point found is misclassified and within ε: FAB minimises the distance rather than staying in
 * the ball, so a farther adversarial point does not count.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { FAB_PARAMS, runFab, type FabParams } from './fab';
import type { FabNorm } from './fabProjection';
import { checkTargetClasses, numClassesOf, runsOnUnbroken } from './targetedRuns';
import type { AttackModel } from './types';
import type { AttackRunResult } from './unbroken';

export interface FabOptions extends Partial<FabParams> {
  norm: FabNorm;
  eps: number;
  /** Iterations per run (AutoAttack standard: 100). */
  iterations: number;
  /** Runs per target class (AutoAttack standard: 1). */
  restarts: number;
  /** Target classes, largest clean logits first (AutoAttack standard: 9). */
  targetClasses?: number;
  seed: number;
  signal?: AbortSignal;
  /** After each iteration of each run: runs done, runs planned, iteration. */
  onIteration?: (run: number, runs: number, iteration: number) => void;
}

/**
 * Attacks `x` (labels `y`) and returns per example a misclassified point within ε where one was
 * found (the clean point otherwise) and whether it was. `x`, `y` stay the caller's; `adv` is the
 * caller's.
 */
export async function fabAttack(
  model: AttackModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: FabOptions,
): Promise<AttackRunResult> {
  if (!Number.isInteger(o.iterations) || o.iterations < 1)
    throw new Error(`FAB-T: iterations must be a whole number ≥ 1, got ${o.iterations}`);
  if (!Number.isInteger(o.restarts) || o.restarts < 1)
    throw new Error(`FAB-T: restarts must be a whole number ≥ 1, got ${o.restarts}`);
  const params: FabParams = {
    alphaMax: o.alphaMax ?? FAB_PARAMS.alphaMax,
    eta: o.eta ?? FAB_PARAMS.eta,
    beta: o.beta ?? FAB_PARAMS.beta,
  };
  if (!(params.alphaMax >= 0 && params.alphaMax <= 1))
    throw new Error(`FAB-T: alphaMax must be in [0, 1], got ${params.alphaMax}`);
  if (!(params.eta >= 1)) throw new Error(`FAB-T: eta must be ≥ 1, got ${params.eta}`);
  if (!(params.beta > 0 && params.beta <= 1))
    throw new Error(`FAB-T: beta must be in (0, 1], got ${params.beta}`);
  const targets = checkTargetClasses('FAB-T', o.targetClasses ?? 9, numClassesOf(model, x));
  return runsOnUnbroken(model, x, y, targets, o.restarts, (xs, ys, tg, r, run, runs) =>
    runFab(model, xs, {
      ...params,
      norm: o.norm,
      eps: o.eps,
      labels: ys,
      targets: tg!,
      iterations: o.iterations,
      randomStart: r > 0,
      seed: o.seed + r,
      signal: o.signal,
      onIteration: (i) => o.onIteration?.(run, runs, i),
    }),
  );
}
