/**
 * `eval --attack apgd-ce|apgd-t|fab-t|square|autoattack`: the evaluation the CLI, the worker and
 * `reproduce` share. Per ε it runs the attack (AutoAttack: its ensemble), then PGD-20 on the same
 * images and seed as the project's reference figure, and compares them (gradientFreeWarnings).
 */
import type { Dataset, JobContext } from '../types';
import { backendLabel } from '../provenance';
import type { LogitsFn } from './accuracy';
import {
  attackCost,
  autoAttackPlan,
  describeAttack,
  evaluateEnsemble,
  standardBudget,
  STANDARD_ITERATIONS,
  type AutoAttackVersion,
  type EnsembleAttack,
  type EnsembleAttackName,
  ENSEMBLE_ATTACKS,
} from './autoattack';
import { SQUARE_DEFAULT_QUERIES } from '../attacks/square';
import type { AttackEvaluation } from './mergeMetrics';
import type { EnsemblePool } from './ensembleChunks';
import { evaluateRobustness, gradientFreeWarnings } from './robust';

export const EVAL_ATTACKS = ['pgd', 'apgd-ce', 'apgd-t', 'fab-t', 'square', 'autoattack'] as const;
export type EvalAttack = (typeof EVAL_ATTACKS)[number];
export const AUTOATTACK_VERSIONS: AutoAttackVersion[] = ['standard', 'rand', 'custom'];

/** The PGD figure every other evaluation is shown next to. */
export const REFERENCE_PGD_STEPS = 20;

export function parseEvalAttack(s: string): EvalAttack {
  if ((EVAL_ATTACKS as readonly string[]).includes(s)) return s as EvalAttack;
  throw new Error(`--attack must be one of ${EVAL_ATTACKS.join(', ')}, got '${s}'`);
}

export function parseVersion(s: string): AutoAttackVersion {
  if ((AUTOATTACK_VERSIONS as string[]).includes(s)) return s as AutoAttackVersion;
  throw new Error(`--version must be one of ${AUTOATTACK_VERSIONS.join(', ')}, got '${s}'`);
}

export function parseAttackList(s: string): EnsembleAttackName[] {
  return s.split(',').map((a) => {
    const t = a.trim();
    if (!(ENSEMBLE_ATTACKS as string[]).includes(t))
      throw new Error(`--attacks: '${t}' is not one of ${ENSEMBLE_ATTACKS.join(', ')}`);
    return t as EnsembleAttackName;
  });
}

export interface AttackEvalOptions {
  attack: Exclude<EvalAttack, 'pgd'>;
  version?: AutoAttackVersion;
  /** --version custom: the attacks, in order. */
  custom?: EnsembleAttackName[];
  /** Square's query budget (default 5,000). */
  queries?: number;
  /** APGD's and FAB-T's iterations per run (default 100). */
  iterations?: number;
  norm: 'l2' | 'linf';
  eps: number[];
  seed: number;
  batchSize: number;
  /** Skip the PGD-20 comparison on the same images. */
  skipPgd?: boolean;
  /** Run each attack's batches side by side on the engine's threads (same result). */
  pool?: EnsemblePool;
}

/** A budget given instead of the standard one. */
interface BudgetChange {
  value: number;
  unit: 'iterations' | 'queries';
  standard: number;
}

type BudgetOptions = Pick<
  AttackEvalOptions,
  'attack' | 'version' | 'custom' | 'iterations' | 'queries'
>;

/**
 * The budgets given instead of the standard ones, among those an attack of the plan reads
 * (`--queries` means nothing to APGD). A shortened run must not pass for the standard evaluation:
 * it gets a key and label of its own, so metrics.json keeps both and the hover names which one
 * it shows.
 */
function budgetChanges(o: BudgetOptions): BudgetChange[] {
  const names: EnsembleAttackName[] =
    o.attack !== 'autoattack'
      ? [o.attack]
      : o.version === 'custom'
        ? (o.custom ?? [])
        : autoAttackPlan(o.version ?? 'standard').map((a) => a.name);
  const changes: BudgetChange[] = [];
  if (
    o.iterations !== undefined &&
    o.iterations !== STANDARD_ITERATIONS &&
    names.some((n) => n !== 'square')
  )
    changes.push({ value: o.iterations, unit: 'iterations', standard: STANDARD_ITERATIONS });
  if (o.queries !== undefined && o.queries !== SQUARE_DEFAULT_QUERIES && names.includes('square'))
    changes.push({ value: o.queries, unit: 'queries', standard: SQUARE_DEFAULT_QUERIES });
  return changes;
}

/** metrics.json key and the label people read. */
export function evaluationName(o: BudgetOptions): {
  key: string;
  label: string;
  strength: number;
} {
  const changes = budgetChanges(o);
  const keySuffix = changes.map((c) => `-${c.value}-${c.unit}`).join('');
  const said = changes.map((c) => `${c.value} ${c.unit}`);
  if (o.attack === 'autoattack') {
    const v = o.version ?? 'standard';
    return {
      key: `autoattack-${v}${keySuffix}`,
      label: `AutoAttack (${[v, ...said].join(', ')})`,
      // Below the standard budget it is still an ensemble, but not the one reviewers accept.
      strength: changes.some((c) => c.value < c.standard) ? 2.5 : 3,
    };
  }
  const name = o.attack === 'square' ? 'Square' : o.attack.toUpperCase();
  return {
    key: `${o.attack}${keySuffix}`,
    label: said.length ? `${name} (${said.join(', ')})` : name,
    strength: o.attack === 'apgd-t' ? 2 : 1,
  };
}

export function attackPlan(o: AttackEvalOptions, numClasses: number): EnsembleAttack[] {
  const plan =
    o.attack === 'autoattack'
      ? autoAttackPlan(o.version ?? 'standard', numClasses, o.custom)
      : [standardBudget(o.attack, numClasses)];
  return plan.map((a) => {
    if (a.name === 'square') return o.queries ? { ...a, queries: o.queries } : a;
    return o.iterations ? { ...a, iterations: o.iterations } : a;
  });
}

export interface AttackEvalResult {
  key: string;
  /** Per ε as String(ε). */
  byEps: Record<string, AttackEvaluation>;
  warnings: string[];
}

export async function evaluateWithAttack(
  fn: LogitsFn,
  test: Dataset,
  o: AttackEvalOptions,
  ctx: JobContext = {},
): Promise<AttackEvalResult> {
  const name = evaluationName(o);
  const plan = attackPlan(o, test.numClasses);
  const byEps: Record<string, AttackEvaluation> = {};
  const warnings: string[] = [];
  // One progress bar over every ε, the ensemble and its PGD-20 weighed by their cost.
  const ensembleCost = plan.reduce((sum, a) => sum + attackCost(a), 0);
  const pgdCost = o.skipPgd ? 0 : 3 * REFERENCE_PGD_STEPS;
  const within = (i: number, from: number, share: number): JobContext => ({
    ...ctx,
    onProgress: (e) =>
      ctx.onProgress?.({
        ...e,
        fraction: (i + (from + share * e.fraction) / (ensembleCost + pgdCost)) / o.eps.length,
      }),
  });
  for (const [i, eps] of o.eps.entries()) {
    const r = await evaluateEnsemble(
      fn,
      test,
      {
        norm: o.norm,
        eps,
        attacks: plan,
        seed: o.seed,
        batchSize: o.batchSize,
        ...(o.pool ? { pool: o.pool } : {}),
      },
      within(i, 0, ensembleCost),
    );
    const pgd = o.skipPgd
      ? undefined
      : {
          steps: REFERENCE_PGD_STEPS,
          robustAcc:
            (
              await evaluateRobustness(
                fn,
                test,
                {
                  norm: o.norm,
                  eps: [eps],
                  steps: REFERENCE_PGD_STEPS,
                  restarts: 0,
                  randomStart: false,
                  seed: o.seed,
                  batchSize: o.batchSize,
                },
                within(i, ensembleCost, pgdCost),
              )
            ).robustAcc[String(eps)] ?? 0,
        };
    const attacks = r.attacks.map((a) => ({ ...a, label: describeAttack(a) }));
    const w = [...r.warnings, ...gradientFreeWarnings(String(eps), attacks, r.n, pgd)];
    warnings.push(...w);
    byEps[String(eps)] = {
      label: name.label,
      robustAcc: r.robustAcc,
      standardAcc: r.standardAcc,
      strength: name.strength,
      attacks: attacks.map((a) => ({ ...a, seconds: Math.round(a.seconds * 10) / 10 })),
      ...(pgd ? { pgd } : {}),
      check: r.check,
      n: r.n,
      seed: o.seed,
      testSet: test.source,
      // The attacks' seconds depend on where they ran (the figures do not: ensemblePool.test.ts).
      backend: o.pool
        ? `${backendLabel()}; the attacks' chunks on a pool of ${o.pool.size} threads, one single-threaded wasm instance each`
        : backendLabel(),
      date: new Date().toISOString(),
      ...(w.length ? { warnings: w } : {}),
    };
  }
  return { key: name.key, byEps, warnings };
}
