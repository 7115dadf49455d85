/**
 * APGD-CE, APGD-DLR and APGD-T (Croce & Hein 2020) as whole attacks: restarts and, for APGD-T,
 * one run per target class (the 2nd, 3rd, … largest clean logit), each on the examples no
 * earlier run broke, as the reference's `perturb` does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackStepFactory, ThreatModel } from './attackStep';
import { runApgd } from './apgd';
import { crossEntropyPerExample, dlrLossPerExample, dlrTargetedLossPerExample } from './losses';
import type { Objective } from './pgd';
import { makeStep } from './steps';
import type { AttackModel } from './types';
import { UnbrokenSet, type AttackRunResult } from './unbroken';

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

/** Class of the (rank+1)-th largest logit at the clean point (rank 1: the runner-up). */
function targetAtRank(model: AttackModel, x: tf.Tensor4D, rank: number): tf.Tensor1D {
  return tf.tidy(() => {
    const logits = model(x);
    const idx = tf.topk(logits, rank + 1).indices;
    return tf.reshape<tf.Rank.R1>(tf.slice(idx, [0, rank], [-1, 1]), [-1]);
  });
}

/** Validates and returns the number of runs per restart loop. */
function targetCount(o: ApgdOptions, numClasses: number): number {
  if (o.loss !== 'dlr-targeted') return 1;
  const t = o.targetClasses ?? 9;
  if (!Number.isInteger(t) || t < 1 || t > numClasses - 1)
    throw new Error(
      `APGD-T: targetClasses must be a whole number from 1 to ${numClasses - 1} (classes − 1), got ${t}`,
    );
  return t;
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
  const numClasses = tf.tidy(() => model(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape[1]);
  const targets = targetCount(o, numClasses);
  const runs = targets * o.restarts;
  const clean = tf.tidy(() => tf.argMax<tf.Tensor1D>(model(x), 1));
  const labels = (await y.data()) as Int32Array;
  const initial = Array.from((await clean.data()) as Int32Array, (p, i) => p !== labels[i]);
  clean.dispose();
  const set = new UnbrokenSet(x, y, initial);
  let run = 0;
  for (let t = 1; t <= targets; t++) {
    const allTargets = o.loss === 'dlr-targeted' ? targetAtRank(model, x, t) : undefined;
    try {
      for (let r = 0; r < o.restarts; r++, run++) {
        await set.attack(async (xs, ys, idx) => {
          const ids = tf.tensor1d(idx, 'int32');
          const tg = allTargets ? tf.gather<tf.Tensor1D>(allTargets, ids) : undefined;
          ids.dispose();
          const step = makeStep(o.norm, xs, o.eps, 0);
          try {
            return await runApgd(xs, {
              step,
              objective: apgdObjective(model, o.loss, ys, tg),
              labels: ys,
              iterations: o.iterations,
              seed: o.seed + r,
              eotIterations: o.eotIterations,
              signal: o.signal,
              onIteration: (i) => o.onIteration?.(run, runs, i),
            });
          } finally {
            tg?.dispose();
          }
        });
      }
    } finally {
      allTargets?.dispose();
    }
  }
  return set.result();
}
