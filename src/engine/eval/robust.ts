/**
 * Robust accuracy under a stated attack, for a list of ε (an accuracy–ε curve). An example counts
 * as robust when the model classifies it correctly both clean and at the attack's output — the
 * attack starts at examples already misclassified too, but they count as errors either way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, JobContext } from '../types';
import { cancellationPoint } from '../types';
import { attack } from '../attacks/attack';
import { defaultStepSize } from '../attacks/defaults';
import { batchRanges, batchTensors } from '../train/batches';
import { killPoint } from '../testKill';
import type { LogitsFn } from './accuracy';

export interface RobustEvalOptions {
  norm: 'l2' | 'linf';
  eps: number[];
  steps: number;
  /** Per ε; default 2.5·ε/steps. */
  stepSize?: (eps: number) => number;
  restarts: number;
  randomStart: boolean;
  seed: number;
  batchSize: number;
}

export interface RobustEvalResult {
  standardAcc: number;
  /** Keyed by ε as the caller wrote it (String(eps)). */
  robustAcc: Record<string, number>;
  attack: {
    norm: string;
    steps: number;
    stepSize: Record<string, number>;
    stepSizeRule: string;
    restarts: number;
    randomStart: boolean;
    useBest: boolean;
    targeted: false;
    lossFn: 'cross-entropy';
  };
  n: number;
  seed: number;
}

export async function evaluateRobustness(
  fn: LogitsFn,
  ds: Dataset,
  o: RobustEvalOptions,
  ctx: JobContext = {},
): Promise<RobustEvalResult> {
  const n = ds.shape[0];
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const step = o.stepSize ?? ((e: number) => defaultStepSize(e, o.steps));
  let clean = 0;
  const robust = new Map<number, number>(o.eps.map((e) => [e, 0]));
  const totalWork = Math.ceil(n / o.batchSize) * o.eps.length;
  let work = 0;
  for (const [s, e] of batchRanges(n, o.batchSize)) {
    const { x, y } = batchTensors(ds, all.subarray(s, e));
    const correct = tf.tidy(() => tf.equal(tf.argMax(fn(x), 1), y));
    const correctArr = (await correct.data()) as Uint8Array;
    clean += correctArr.reduce((a, b) => a + b, 0);
    for (const eps of o.eps) {
      await cancellationPoint(ctx.signal, 'evaluation');
      // Progress per attack iteration: a batch × all steps is minutes on a busy machine.
      const perRun = o.steps + 1;
      const onIteration = (i: number, _loss: number, restart: number) =>
        ctx.onProgress?.({
          phase: 'eval',
          fraction: (work + (restart * perRun + i + 1) / ((o.restarts + 1) * perRun)) / totalWork,
          message: `ε=${eps}: batch ${Math.ceil(e / o.batchSize)} of ${Math.ceil(n / o.batchSize)}, step ${i + 1}/${o.steps}`,
        });
      const r = await attack(fn, x, y, {
        norm: o.norm,
        eps,
        stepSize: step(eps),
        iterations: o.steps,
        randomStart: o.randomStart || o.restarts > 0,
        randomRestarts: o.restarts,
        useBest: true,
        seed: o.seed + s,
        signal: ctx.signal,
        onIteration,
      });
      r.adv.dispose();
      const success = r.success ?? [];
      let ok = 0;
      for (let i = 0; i < success.length; i++) if (correctArr[i] && !success[i]) ok++;
      robust.set(eps, (robust.get(eps) ?? 0) + ok);
      work++;
      killPoint('eval-batch');
      ctx.onProgress?.({
        phase: 'eval',
        fraction: work / totalWork,
        message: `ε=${eps}: batch ${Math.ceil(e / o.batchSize)} of ${Math.ceil(n / o.batchSize)}`,
      });
    }
    tf.dispose([x, y, correct]);
  }
  return {
    standardAcc: n ? clean / n : 0,
    robustAcc: Object.fromEntries(o.eps.map((e) => [String(e), n ? (robust.get(e) ?? 0) / n : 0])),
    attack: {
      norm: o.norm,
      steps: o.steps,
      stepSize: Object.fromEntries(o.eps.map((e) => [String(e), step(e)])),
      stepSizeRule: o.stepSize ? 'given' : '2.5·ε/steps',
      restarts: o.restarts,
      randomStart: o.randomStart || o.restarts > 0,
      useBest: true,
      targeted: false,
      lossFn: 'cross-entropy',
    },
    n,
    seed: o.seed,
  };
}

/** Robust accuracy per step count and ε, plus the warnings the comparison raised. */
export interface AttackStrengthCheck {
  steps: number[];
  /** robustAcc[String(steps)][String(ε)]. */
  robustAcc: Record<string, Record<string, number>>;
  warnings: string[];
}

/**
 * A stronger attack must not do worse: with the same model, examples and seed, robust accuracy
 * under more PGD steps should not be higher than under fewer. When it is, the gradient the
 * attack follows is misleading (gradient masking: shattered, stochastic or vanishing gradients,
 * Athalye et al. 2018), and every robust accuracy of this model overstates its robustness.
 * Differences of one example or less are sampling noise between two runs, not a finding.
 */
export function maskingWarnings(
  bySteps: Record<string, Record<string, number>>,
  n: number,
): string[] {
  const steps = Object.keys(bySteps)
    .map(Number)
    .sort((a, b) => a - b);
  const warnings: string[] = [];
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  for (const eps of Object.keys(bySteps[String(steps[0])] ?? {})) {
    for (let i = 0; i < steps.length; i++) {
      for (let j = i + 1; j < steps.length; j++) {
        const fewer = bySteps[String(steps[i])]?.[eps];
        const more = bySteps[String(steps[j])]?.[eps];
        if (fewer === undefined || more === undefined || Math.round((more - fewer) * n) <= 1)
          continue; // in examples
        warnings.push(
          `possible gradient masking at ε=${eps}: robust accuracy is ${pct(more)} under PGD-${steps[j]} but ${pct(fewer)} under PGD-${steps[i]}; ` +
            'a stronger attack should not do worse, so robust accuracies of this model may be overstated',
        );
      }
    }
  }
  return warnings;
}

/**
 * Evaluates under each step count (same examples and seed) and compares them (maskingWarnings).
 * `known`: accuracies already measured (e.g. the main evaluation), keyed by step count; not rerun.
 */
export async function checkAttackStrength(
  fn: LogitsFn,
  ds: Dataset,
  o: RobustEvalOptions,
  steps: number[],
  ctx: JobContext = {},
  known: Record<string, Record<string, number>> = {},
): Promise<AttackStrengthCheck> {
  const sorted = [...new Set([...steps, ...Object.keys(known).map(Number)])].sort((a, b) => a - b);
  const robustAcc: Record<string, Record<string, number>> = {};
  for (const k of sorted)
    robustAcc[String(k)] =
      known[String(k)] ?? (await evaluateRobustness(fn, ds, { ...o, steps: k }, ctx)).robustAcc;
  return { steps: sorted, robustAcc, warnings: maskingWarnings(robustAcc, ds.shape[0]) };
}

/**
 * Gradient masking seen by a gradient-free attack: Square only queries the model's outputs, so
 * when it breaks images that the gradient attacks before it (or PGD on the same images) left
 * robust, the gradients were misleading them (Athalye et al. 2018; Croce & Hein 2020 add Square
 * to AutoAttack for this reason). A drop of more than one example and of at least 2 points is
 * reported; AutoAttack's Square typically adds a few tenths of a point on a sound model.
 */
export function gradientFreeWarnings(
  eps: string,
  attacks: { name: string; label: string; robustAcc: number }[],
  n: number,
  pgd?: { steps: number; robustAcc: number },
): string[] {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  const out: string[] = [];
  attacks.forEach((a, k) => {
    if (a.name !== 'square') return;
    const prev = k > 0 ? attacks[k - 1] : undefined;
    const before = prev?.robustAcc ?? pgd?.robustAcc;
    if (before === undefined) return;
    const drop = before - a.robustAcc;
    if (Math.round(drop * n) <= 1 || drop < 0.02) return;
    const after = prev ? `after ${prev.label}` : `under PGD-${pgd!.steps}`;
    out.push(
      `possible gradient masking at ε=${eps}: Square (gradient-free) brings robust accuracy to ${pct(a.robustAcc)} from ${pct(before)} ${after}` +
        (pgd && prev ? ` (PGD-${pgd.steps}: ${pct(pgd.robustAcc)})` : '') +
        '; the gradients mislead the gradient-based attacks, so their robust accuracies of this model are overstated',
    );
  });
  return out;
}
