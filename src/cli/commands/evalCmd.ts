/** `robust-features eval --checkpoint DIR --norm l2 --eps 0.5,1,1.5,2 [--attack pgd|apgd-ce|apgd-t|square|autoattack] [--limit N] [--json]` */
import { parse, startBackend, num, numList } from '../args';
import { terminalProgress } from '../progress';
import { defaultTestData, loadCheckpoint } from '../../engine/models/checkpoint';
import { mergeEvaluationIntoMetrics, mergeIntoMetrics } from '../../engine/eval/mergeMetrics';
import {
  evaluateWithAttack,
  parseAttackList,
  parseEvalAttack,
  parseVersion,
} from '../../engine/eval/attackEval';
import type { LogitsFn } from '../../engine/eval/accuracy';
import type { Dataset } from '../../engine/types';
import { loadDataset } from '../../engine/formats/load';
import { inferenceFn } from '../../engine/eval/accuracy';
import { checkAttackStrength, evaluateRobustness } from '../../engine/eval/robust';
import { backendLabel } from '../../engine/provenance';
import { assertCheckpointFits } from '../../engine/models/fits';

const HELP = `robust-features eval --checkpoint DIR --norm l2|linf --eps LIST [options]
  --eps 0.5,1,1.5,2   the ε values (robust accuracy for each: an accuracy–ε curve)
  --steps N           PGD iterations (default 20); step size 2.5·ε/steps unless --step-size
  --restarts R        random restarts (default 0)   --random-start
  --limit N           evaluate on N test images (seeded subset; default all)
  --data SPEC         test set (default: the checkpoint's dataset)   --seed N   --batch N   --json
  --steps-check LIST  also attack with these step counts (e.g. 5,50) and warn when more steps
                      give a HIGHER robust accuracy than fewer: a sign of gradient masking
  --attack pgd|apgd-ce|apgd-t|square|autoattack   (default pgd) APGD (100 iterations), APGD-T
                      (9 target classes), Square (gradient-free), or AutoAttack: its attacks in
                      sequence, each on the images still robust; PGD-20 on the same images too
  --version standard|rand|custom   AutoAttack's attack set (default standard: APGD-CE, APGD-T,
                      Square; FAB-T is not implemented)   --attacks LIST  for custom
  --queries N         Square's query budget per image (default 5000)
  Writes the result into DIR/metrics.json (robustAcc[norm][ε] for PGD, evaluations[norm][ε] for
  the other attacks, with the attack, its budget, seed and sample count).`;

export async function runEval(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      checkpoint: { type: 'string' },
      norm: { type: 'string', default: 'l2' },
      eps: { type: 'string' },
      steps: { type: 'string', default: '20' },
      'step-size': { type: 'string' },
      restarts: { type: 'string', default: '0' },
      'random-start': { type: 'boolean', default: false },
      limit: { type: 'string' },
      data: { type: 'string' },
      seed: { type: 'string', default: '0' },
      batch: { type: 'string', default: '250' },
      'steps-check': { type: 'string' },
      attack: { type: 'string', default: 'pgd' },
      version: { type: 'string', default: 'standard' },
      attacks: { type: 'string' },
      queries: { type: 'string' },
    },
    HELP,
  );
  if (!o.checkpoint) throw new Error(`--checkpoint DIR is required\n\n${HELP}`);
  if (!o.eps) throw new Error(`--eps LIST is required (e.g. --eps 0.5,1,1.5)\n\n${HELP}`);
  if (o.norm !== 'l2' && o.norm !== 'linf')
    throw new Error(`--norm must be l2 or linf, got '${o.norm}'`);
  const epsList = numList(o.eps, 'eps');
  const stepsCheckList =
    o['steps-check'] === undefined ? [] : numList(o['steps-check'], 'steps-check');
  if (!stepsCheckList.every((k) => Number.isInteger(k) && k > 0))
    throw new Error(`--steps-check must list positive integers, got '${o['steps-check']}'`);
  const epsKeys = o.eps.split(',').map((s) => s.trim());
  const attack = parseEvalAttack(o.attack);
  const version = parseVersion(o.version);
  if (version === 'custom' && !o.attacks)
    throw new Error('--version custom needs --attacks LIST (e.g. apgd-ce,square)');
  const custom = o.attacks === undefined ? undefined : parseAttackList(o.attacks);
  const queries = num(o.queries, 'queries');
  if (queries !== undefined && !(Number.isInteger(queries) && queries >= 1))
    throw new Error(`--queries must be a whole number ≥ 1, got '${o.queries}'`);
  await startBackend(o.backend, o.json);
  const ckpt = await loadCheckpoint(o.checkpoint);
  const seed = num(o.seed, 'seed') ?? 0;
  const test = await loadDataset(o.data ?? defaultTestData(ckpt.manifest), {
    split: 'test',
    limit: num(o.limit, 'limit'),
    seed,
  });
  assertCheckpointFits(o.checkpoint, ckpt.manifest, test);
  const stepSize = num(o['step-size'], 'step-size');
  const bar = terminalProgress(o.json, 'eval');
  const evalOpts = {
    norm: o.norm,
    eps: epsList,
    steps: num(o.steps, 'steps') ?? 20,
    stepSize: stepSize === undefined ? undefined : () => stepSize,
    restarts: num(o.restarts, 'restarts') ?? 0,
    randomStart: o['random-start'],
    seed,
    batchSize: num(o.batch, 'batch') ?? 250,
  } as const;
  const fn = inferenceFn(ckpt.model);
  if (attack !== 'pgd') {
    await runAttackEval(fn, test, o.checkpoint, o.json, bar, {
      attack,
      version,
      custom,
      queries,
      norm: o.norm,
      eps: epsList,
      epsKeys,
      seed,
      batchSize: evalOpts.batchSize,
    });
    return;
  }
  const r = await evaluateRobustness(fn, test, evalOpts, { onProgress: bar.onProgress });
  // The other step counts, on the same images and seed; the main evaluation is not repeated.
  const check =
    o['steps-check'] === undefined
      ? undefined
      : await checkAttackStrength(
          fn,
          test,
          evalOpts,
          stepsCheckList,
          { onProgress: bar.onProgress },
          { [String(evalOpts.steps)]: r.robustAcc },
        );
  bar.stop();
  // Keys of robustAcc are the ε values as the user wrote them.
  const robustAcc = Object.fromEntries(
    epsList.map((e, i) => [epsKeys[i] as string, r.robustAcc[String(e)] as number]),
  );
  const stepsCheck = check && {
    steps: check.steps,
    robustAcc: check.robustAcc,
    warnings: check.warnings,
  };
  const out = {
    standardAcc: r.standardAcc,
    robustAcc,
    attack: { ...r.attack, backend: backendLabel(), seed, ...(stepsCheck ? { stepsCheck } : {}) },
    n: r.n,
    ...(check ? { warnings: check.warnings } : {}),
  };
  // stderr, so that --json output stays parseable and the warning is seen either way.
  for (const w of check?.warnings ?? []) console.error(`warning: ${w}`);
  mergeIntoMetrics(o.checkpoint, o.norm, out, test.source);
  if (o.json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(
    `standard accuracy ${(100 * r.standardAcc).toFixed(2)}% on ${r.n} images (${test.source})`,
  );
  console.log(
    `robust accuracy, ${o.norm.toUpperCase()} PGD-${r.attack.steps}, step 2.5·ε/steps, ${r.attack.restarts} restarts:`,
  );
  for (const k of epsKeys)
    console.log(`  ε=${k.padEnd(6)} ${(100 * (robustAcc[k] ?? 0)).toFixed(2)}%`);
  if (check) {
    console.log(
      `attack strength check (${check.warnings.length ? `${check.warnings.length} warning(s), see above` : 'more steps never did worse'}):`,
    );
    for (const k of check.steps)
      console.log(
        `  PGD-${String(k).padEnd(4)} ${epsList.map((e) => `ε=${e} ${(100 * (check.robustAcc[String(k)]?.[String(e)] ?? 0)).toFixed(2)}%`).join('  ')}`,
      );
  }
}

/** `eval --attack apgd-ce|apgd-t|square|autoattack`: one entry per ε in metrics.json's evaluations. */
async function runAttackEval(
  fn: LogitsFn,
  test: Dataset,
  dir: string,
  json: boolean,
  bar: ReturnType<typeof terminalProgress>,
  o: Parameters<typeof evaluateWithAttack>[2] & { epsKeys: string[] },
): Promise<void> {
  const started = performance.now();
  const r = await evaluateWithAttack(fn, test, o, { onProgress: bar.onProgress });
  bar.stop();
  for (const w of r.warnings) console.error(`warning: ${w}`);
  // Keys as the user wrote the ε values, as robustAcc does.
  const byEps = Object.fromEntries(
    o.eps.map((e, i) => [o.epsKeys[i] as string, r.byEps[String(e)]!]),
  );
  for (const [k, e] of Object.entries(byEps)) mergeEvaluationIntoMetrics(dir, o.norm, k, r.key, e);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if (json) {
    console.log(
      JSON.stringify({ evaluation: r.key, norm: o.norm, byEps, warnings: r.warnings, seconds }),
    );
    return;
  }
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  for (const [k, e] of Object.entries(byEps)) {
    console.log(
      `${e.label}, ${o.norm.toUpperCase()} ε=${k}, ${e.n} images (${e.testSet}), seed ${e.seed}:`,
    );
    console.log(`  standard accuracy ${pct(e.standardAcc)}`);
    for (const a of e.attacks as { label: string; robustAcc: number; seconds: number }[])
      console.log(`  after ${a.label.padEnd(48)} ${pct(a.robustAcc)}  (${a.seconds} s)`);
    console.log(`  robust accuracy (worst case)${' '.repeat(27)}${pct(e.robustAcc)}`);
    if (e.pgd)
      console.log(
        `  PGD-${e.pgd.steps} on the same images${' '.repeat(27)}${pct(e.pgd.robustAcc)}`,
      );
  }
  console.log(`took ${seconds} s`);
}
