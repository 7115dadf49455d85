/**
 * Robust accuracy under AutoAttack (Croce & Hein 2020) or one of its members: the attacks run in
 * sequence, each on the examples still robust after the ones before it, so the final figure is
 * the worst case over the ensemble per example. Robust accuracy is reported after every attack.
 *
 * Versions (the reference's `version=`):
 * - standard: APGD-CE (100 iterations), APGD-T (100 iterations × 9 target classes), FAB-T (100
 *   iterations × 9 target classes; α_max 0.1, η 1.05, β 0.9), Square (5,000 queries), 1 restart
 *   each, in the reference's order.
 * - rand, for randomised defences: APGD-CE and APGD-DLR with gradients averaged over 20 draws.
 * - custom: the attacks the caller lists, at the standard budgets.
 */
import * as tf from '@tensorflow/tfjs-core';
import { apgdAttack, type ApgdLoss } from '../attacks/apgdAttack';
import { FAB_PARAMS } from '../attacks/fab';
import { fabAttack } from '../attacks/fabAttack';
import { SQUARE_DEFAULT_QUERIES, squareAttack } from '../attacks/square';
import type { AttackRunResult } from '../attacks/unbroken';
import type { Dataset, JobContext } from '../types';
import { killPoint } from '../testKill';
import { predictLabels, type LogitsFn } from './accuracy';
import { AdversarialPoints } from './adversarialPoints';
import { attackChunks, ensembleChunks, type EnsemblePool } from './ensembleChunks';
import { describeFaults, VERIFY_TOLERANCE } from './verifyAdversarial';

export type EnsembleAttackName = 'apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'fab-t' | 'square';
export const ENSEMBLE_ATTACKS: EnsembleAttackName[] = [
  'apgd-ce',
  'apgd-dlr',
  'apgd-t',
  'fab-t',
  'square',
];
export type AutoAttackVersion = 'standard' | 'rand' | 'custom';

/** One attack of the ensemble with its budget. */
export interface EnsembleAttack {
  name: EnsembleAttackName;
  /** APGD, FAB-T: iterations per run. */
  iterations?: number;
  /** Runs from fresh random starts (per target class for APGD-T and FAB-T). */
  restarts: number;
  /** APGD-T, FAB-T: target classes, largest clean logits first. */
  targetClasses?: number;
  /** FAB-T: largest weight of the step from the clean point (the reference's alpha_max). */
  alphaMax?: number;
  /** FAB-T: overshoot past the linearised boundary. */
  eta?: number;
  /** FAB-T: pull-back towards the clean point after an adversarial iterate. */
  beta?: number;
  /** APGD: gradients averaged per iterate. */
  eotIterations?: number;
  /** Square: queries per example and restart. */
  queries?: number;
}

/** APGD's and FAB-T's iterations per run in the standard version (the reference's n_iter). */
export const STANDARD_ITERATIONS = 100;
const APGD_T_TARGETS = 9;
const FAB_T_TARGETS = 9;

/** The attack at AutoAttack's standard budget. */
export function standardBudget(name: EnsembleAttackName, numClasses = 10): EnsembleAttack {
  if (name === 'square') return { name, queries: SQUARE_DEFAULT_QUERIES, restarts: 1 };
  if (name === 'fab-t')
    return {
      name,
      iterations: STANDARD_ITERATIONS,
      restarts: 1,
      targetClasses: Math.min(FAB_T_TARGETS, numClasses - 1),
      ...FAB_PARAMS,
    };
  if (name === 'apgd-t')
    return {
      name,
      iterations: STANDARD_ITERATIONS,
      restarts: 1,
      targetClasses: Math.min(APGD_T_TARGETS, numClasses - 1),
    };
  return { name, iterations: STANDARD_ITERATIONS, restarts: 1 };
}

export function autoAttackPlan(
  version: AutoAttackVersion,
  numClasses = 10,
  custom: EnsembleAttackName[] = [],
): EnsembleAttack[] {
  if (version === 'standard')
    return (['apgd-ce', 'apgd-t', 'fab-t', 'square'] as const).map((a) =>
      standardBudget(a, numClasses),
    );
  if (version === 'rand')
    return (['apgd-ce', 'apgd-dlr'] as const).map((a) => ({
      ...standardBudget(a, numClasses),
      eotIterations: 20,
    }));
  if (custom.length === 0)
    throw new Error(
      `AutoAttack --version custom needs a list of attacks (${ENSEMBLE_ATTACKS.join(', ')})`,
    );
  return custom.map((a) => standardBudget(a, numClasses));
}

/** "APGD-T (100 iterations, 9 targets, 1 restart)", "FAB-T (…, α_max 0.1, η 1.05, β 0.9)". */
export function describeAttack(a: EnsembleAttack): string {
  const name = a.name.toUpperCase();
  if (a.name === 'square') return `Square (${a.queries} queries, ${a.restarts} restart(s))`;
  const parts = [`${a.iterations} iterations`];
  if (a.targetClasses) parts.push(`${a.targetClasses} targets`);
  parts.push(`${a.restarts} restart(s)`);
  if (a.eotIterations && a.eotIterations > 1) parts.push(`EOT ${a.eotIterations}`);
  if (a.name === 'fab-t')
    parts.push(
      `α_max ${a.alphaMax ?? FAB_PARAMS.alphaMax}, η ${a.eta ?? FAB_PARAMS.eta}, β ${a.beta ?? FAB_PARAMS.beta}`,
    );
  return `${name} (${parts.join(', ')})`;
}

export interface EnsembleOptions {
  norm: 'l2' | 'linf';
  eps: number;
  attacks: EnsembleAttack[];
  seed: number;
  batchSize: number;
  /** Run an attack's batches side by side on the engine's threads (ensembleChunks.ts). */
  pool?: EnsemblePool;
}

export interface EnsembleAttackRecord extends EnsembleAttack {
  /** Robust accuracy after this attack and all before it. */
  robustAcc: number;
  seconds: number;
  /** Points this attack claimed that the model's own check rejected (adversarialPoints.ts). */
  rejected: number;
}

/** The final clean pass over every adversarial point the ensemble kept. */
export interface EnsembleCheck {
  points: number;
  held: number;
  /** Slack on the ε-ball and the box [0, 1]. */
  tolerance: number;
}

export interface EnsembleResult {
  norm: 'l2' | 'linf';
  eps: number;
  standardAcc: number;
  /** Worst case over the ensemble. */
  robustAcc: number;
  attacks: EnsembleAttackRecord[];
  check: EnsembleCheck;
  /** Claims or points that failed the checks, in words (the callers print and record them). */
  warnings: string[];
  n: number;
  seed: number;
}

/** One attack on one batch (on this thread; attackChunk.ts runs it on a pool thread). */
export function runOne(
  fn: LogitsFn,
  a: EnsembleAttack,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: EnsembleOptions,
  seed: number,
  signal: AbortSignal | undefined,
  onStep: (fraction: number) => void,
): Promise<AttackRunResult> {
  if (a.name === 'square')
    return squareAttack(fn, x, y, {
      norm: o.norm,
      eps: o.eps,
      queries: a.queries ?? SQUARE_DEFAULT_QUERIES,
      restarts: a.restarts,
      seed,
      signal,
      onQuery: (r, q) => onStep((r + q / (a.queries ?? SQUARE_DEFAULT_QUERIES)) / a.restarts),
    });
  if (a.name === 'fab-t') {
    const iterations = a.iterations ?? STANDARD_ITERATIONS;
    return fabAttack(fn, x, y, {
      norm: o.norm,
      eps: o.eps,
      iterations,
      restarts: a.restarts,
      targetClasses: a.targetClasses,
      alphaMax: a.alphaMax,
      eta: a.eta,
      beta: a.beta,
      seed,
      signal,
      onIteration: (run, runs, i) => onStep((run + (i + 1) / iterations) / runs),
    });
  }
  const loss: ApgdLoss =
    a.name === 'apgd-ce' ? 'ce' : a.name === 'apgd-dlr' ? 'dlr' : 'dlr-targeted';
  const iterations = a.iterations ?? STANDARD_ITERATIONS;
  return apgdAttack(fn, x, y, {
    norm: o.norm,
    eps: o.eps,
    iterations,
    restarts: a.restarts,
    loss,
    targetClasses: a.targetClasses,
    eotIterations: a.eotIterations,
    seed,
    signal,
    onIteration: (run, runs, i) => onStep((run + (i + 1) / iterations) / runs),
  });
}

/** Rough cost of an attack per attacked image, in forward passes (a gradient costs about three). */
export function attackCost(a: EnsembleAttack): number {
  if (a.name === 'square') return (a.queries ?? SQUARE_DEFAULT_QUERIES) * a.restarts;
  // FAB: a gradient, then a forward pass at the new point.
  if (a.name === 'fab-t')
    return 4 * (a.iterations ?? STANDARD_ITERATIONS) * a.restarts * (a.targetClasses ?? 1);
  const runs = a.restarts * (a.targetClasses ?? 1) * (a.eotIterations ?? 1);
  return 3 * (a.iterations ?? STANDARD_ITERATIONS) * runs;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/**
 * Runs the ensemble on `ds`, attack by attack: each attack sees every example still robust, in
 * chunks of at most `batchSize` (`ensembleChunks`). An example is robust if the model classifies
 * it correctly clean and no attack of the ensemble found an error within the ε-ball. The
 * survivors of one attack are re-batched for the next: after APGD-CE a batch of the dataset
 * holds only a fraction of robust images, and the later attacks (APGD-T's and FAB-T's nine runs,
 * Square's thousands of queries) run fastest on full batches. The points are the model's to
 * judge: every claim is re-classified and checked against the ε-ball and the box as it comes,
 * and every kept point once more at the end. With `o.pool` an attack's chunks run side by side
 * on the engine's threads, with the same result.
 */
export async function evaluateEnsemble(
  fn: LogitsFn,
  ds: Dataset,
  o: EnsembleOptions,
  ctx: JobContext = {},
): Promise<EnsembleResult> {
  if (o.attacks.length === 0) throw new Error('evaluateEnsemble: no attack to run');
  const n = ds.shape[0];
  const pred = await predictLabels(fn, ds, o.batchSize, ctx);
  const robust = Array.from(pred, (p, i) => p === ds.labels[i]);
  const clean = robust.filter(Boolean).length;
  const points = new AdversarialPoints(ds);
  const check = { norm: o.norm, eps: o.eps, batchSize: o.batchSize };
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  const rejected = o.attacks.map(() => 0);
  const seconds: number[] = [];
  const costs = o.attacks.map(attackCost);
  const total = costs.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [k, a] of o.attacks.entries()) {
    const started = performance.now();
    const idx = robust.flatMap((r, i) => (r ? [i] : []));
    const chunks = ensembleChunks(idx, o.batchSize);
    const done = chunks.map(() => 0);
    await attackChunks(
      fn,
      ds,
      {
        attack: a,
        chunks,
        seedOf: (c) => o.seed + 7919 * k + c,
        onStep: (c, f) => {
          done[c] = Math.max(done[c]!, Math.min(f, 1));
          ctx.onProgress?.({
            phase: 'eval',
            fraction: (before + (costs[k]! * sum(done)) / chunks.length) / total,
            message: `ε=${o.eps}: ${describeAttack(a)}, batch ${c + 1} of ${chunks.length}`,
          });
        },
        use: async (c, r) => {
          done[c] = 1;
          const chunk = chunks[c]!;
          const faults = await points.claim(fn, k, chunk, r.adv, r.success, check, ctx);
          if (faults.some(Boolean)) {
            rejected[k]! += faults.filter(Boolean).length;
            warn(
              `${describeAttack(a)} at ε=${o.eps}, batch ${c + 1}: ${describeFaults(faults)} on the model's own check; those examples stay robust for the next attack`,
            );
          }
          chunk.forEach((i) => {
            if (points.brokenBy(i) === k) robust[i] = false;
          });
          killPoint('eval-batch');
        },
      },
      o,
      ctx,
    );
    before += costs[k]!;
    seconds.push((performance.now() - started) / 1000);
  }
  const final = await points.recheck(fn, check, ctx);
  if (final.summary)
    warn(
      `final check at ε=${o.eps}: ${final.summary} on a clean forward pass; those examples count as robust`,
    );
  // After attack k: clean-correct examples whose point, found by attack k or before, still holds.
  const robustAfter = o.attacks.map(
    (_, k) =>
      pred.filter((p, i) => p === ds.labels[i] && !((points.brokenBy(i) ?? Infinity) <= k)).length,
  );
  const frac = (c: number) => (n ? c / n : 0);
  return {
    norm: o.norm,
    eps: o.eps,
    standardAcc: frac(clean),
    robustAcc: frac(robustAfter.at(-1) ?? 0),
    attacks: o.attacks.map((a, k) => ({
      ...a,
      robustAcc: frac(robustAfter[k]!),
      seconds: seconds[k]!,
      rejected: rejected[k]!,
    })),
    check: { points: final.points, held: final.held, tolerance: VERIFY_TOLERANCE },
    warnings,
    n,
    seed: o.seed,
  };
}
