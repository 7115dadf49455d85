/**
 * The outer loops of AutoAttack's gradient attacks (APGD-CE, APGD-T, FAB-T), as the reference's
 * `perturb` runs them: one run per target class (the 2nd, 3rd, … largest logit at the clean
 * point) and per restart, each on the examples no earlier run broke. Examples the model already
 * misclassifies count as broken without a run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackModel } from './types';
import { UnbrokenSet, type AttackRunResult } from './unbroken';

/** The model's number of classes, from one forward pass on one image. */
export function numClassesOf(model: AttackModel, x: tf.Tensor4D): number {
  return tf.tidy(() => model(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape[1]);
}

/** Class of the (rank+1)-th largest logit at the clean point (rank 1: the runner-up). */
export function targetAtRank(model: AttackModel, x: tf.Tensor4D, rank: number): tf.Tensor1D {
  return tf.tidy(() => {
    const idx = tf.topk(model(x), rank + 1).indices;
    return tf.reshape<tf.Rank.R1>(tf.slice(idx, [0, rank], [-1, 1]), [-1]);
  });
}

/** Validates a number of target classes (`who` names the attack in the message). */
export function checkTargetClasses(who: string, t: number, numClasses: number): number {
  if (!Number.isInteger(t) || t < 1 || t > numClasses - 1)
    throw new Error(
      `${who}: targetClasses must be a whole number from 1 to ${numClasses - 1} (classes − 1), got ${t}`,
    );
  return t;
}

/** One run of an attack on the unbroken examples `xs`, `ys` (rows `idx` of the batch). */
export type UnbrokenRun = (
  xs: tf.Tensor4D,
  ys: tf.Tensor1D,
  targets: tf.Tensor1D | undefined,
  restart: number,
  /** Runs done before this one, of `runs` planned. */
  run: number,
  runs: number,
) => Promise<AttackRunResult>;

/**
 * `restarts` runs per target class (`targets` of them, or one untargeted loop when undefined),
 * each on the examples still unbroken. `x`, `y` stay the caller's; the result's `adv` is the
 * caller's: per example the first adversarial point found, the clean point otherwise.
 */
export async function runsOnUnbroken(
  model: AttackModel,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  targets: number | undefined,
  restarts: number,
  run: UnbrokenRun,
): Promise<AttackRunResult> {
  const clean = tf.tidy(() => tf.argMax<tf.Tensor1D>(model(x), 1));
  const labels = (await y.data()) as Int32Array;
  const initial = Array.from((await clean.data()) as Int32Array, (p, i) => p !== labels[i]);
  clean.dispose();
  const set = new UnbrokenSet(x, y, initial);
  const loops = targets ?? 1;
  const runs = loops * restarts;
  let done = 0;
  for (let t = 1; t <= loops; t++) {
    const allTargets = targets === undefined ? undefined : targetAtRank(model, x, t);
    try {
      for (let r = 0; r < restarts; r++, done++) {
        const index = done;
        await set.attack(async (xs, ys, idx) => {
          const ids = tf.tensor1d(idx, 'int32');
          const tg = allTargets ? tf.gather<tf.Tensor1D>(allTargets, ids) : undefined;
          ids.dispose();
          try {
            return await run(xs, ys, tg, r, index, runs);
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
