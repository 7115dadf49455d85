/**
 * APGD-CE, APGD-DLR and APGD-T (Croce & Hein 2020) as whole attacks: restarts and, for APGD-T,
 * one run per target class (the 2nd, 3rd, … largest clean logit), each on the examples no
 * earlier run broke, as the reference's `perturb` does (`targetedRuns.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackStepFactory, ThreatModel } from './attackStep';
import { runApgd } from './apgd';
import { crossEntropyPerExample, dlrLossPerExample, dlrTargetedLossPerExample } from './losses';
import type { Objective } from './pgd';
import { makeStep } from './steps';
import type { AttackModel } from './types';
import { checkTargetClasses, numClassesOf, runsOnUnbroken } from './targetedRuns';
import type { AttackRunResult } from './unbroken';

export type ApgdLoss = 'ce' | 'dlr' | 'dlr-targeted';

export interface ApgdOptions {
  norm: Exclude<ThreatModel, 'unconstrained'> | AttackStepFactory;
  eps: number;
  /** Iterations per run (the reference's 100). */
  iterations: number;
  /** Runs per loss (per target class for APGD-T) from fresh random starts (AutoAttack standard: 1). */
  restarts: number;
  loss: ApgdLoss;
  /** APGD-T: how many target classes, largest clean logits first (AutoAttack standard: 9). */
  targetClasses?: number;
  eotIterations?: number;
  seed: number;
  signal?: AbortSignal;
  /** After each iteration of each run: runs done, runs planned, iteration. */
  onIteration?: (run: number, runs: number, iteration: number) => void;
}

/** The per-example loss to maximise, as an APGD objective (with the prediction). */
export function apgdObjective(
  model: AttackModel,
  loss: ApgdLoss,
  labels: tf.Tensor1D,
  targets?: tf.Tensor1D,
): Objective {
  return {
    evaluate: (x) => {
      const logits = model(x);
      const losses =
        loss === 'ce'
          ? crossEntropyPerExample(logits, labels)
          : loss === 'dlr'
            ? dlrLossPerExample(logits, labels)
            : dlrTargetedLossPerExample(logits, labels, targets!);
      return { losses, pred: tf.argMax<tf.Tensor1D>(logits, 1) };
    },
  };
}

/**
 * Attacks `x` (labels `y`) and returns per example an adversarial point where one was found (the
 * clean point otherwise) and whether it was. `x`, `y` stay the caller's; `adv` is the caller's.
 */
export async function apgdAttack(
  model: AttackModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: ApgdOptions,
): Promise<AttackRunResult> {
  if (!Number.isInteger(o.iterations) || o.iterations < 1)
    throw new Error(`APGD: iterations must be a whole number ≥ 1, got ${o.iterations}`);
  if (!Number.isInteger(o.restarts) || o.restarts < 1)
    throw new Error(`APGD: restarts must be a whole number ≥ 1, got ${o.restarts}`);
  const targets =
    o.loss === 'dlr-targeted'
      ? checkTargetClasses('APGD-T', o.targetClasses ?? 9, numClassesOf(model, x))
      : undefined;
  return runsOnUnbroken(model, x, y, targets, o.restarts, (xs, ys, tg, r, run, runs) =>
    runApgd(xs, {
      step: makeStep(o.norm, xs, o.eps, 0),
      objective: apgdObjective(model, o.loss, ys, tg),
      labels: ys,
      iterations: o.iterations,
      seed: o.seed + r,
      eotIterations: o.eotIterations,
      signal: o.signal,
      onIteration: (i) => o.onIteration?.(run, runs, i),
    }),
  );
}
