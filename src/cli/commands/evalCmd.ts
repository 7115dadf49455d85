/** `robust-features eval`: robust accuracy of a checkpoint for each ε, merged into its metrics.json. */
import { startBackend } from '../args';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { terminalProgress } from '../progress';
import { defaultTestData, loadCheckpoint } from '../../engine/models/checkpoint';
import { mergeEvaluationIntoMetrics, mergeIntoMetrics } from '../../engine/eval/mergeMetrics';
import {
  AUTOATTACK_VERSIONS,
  EVAL_ATTACKS,
  evaluateWithAttack,
  parseAttackList,
} from '../../engine/eval/attackEval';
import type { LogitsFn } from '../../engine/eval/accuracy';
import type { Dataset } from '../../engine/types';
import { loadDataset } from '../../engine/formats/load';
import { inferenceFn } from '../../engine/eval/accuracy';
import { checkAttackStrength, evaluateRobustness } from '../../engine/eval/robust';
import { backendLabel } from '../../engine/provenance';
import { assertCheckpointFits } from '../../engine/models/fits';
import { errorMessage } from '../../shared/errorMessage';

export const evalVerb = {
  name: 'eval',
  summary: 'robust accuracy under PGD or AutoAttack for each ε: an accuracy–ε curve',
  description:
    "Writes the result into the checkpoint's metrics.json (robustAcc[norm][ε] for PGD,\n" +
    'evaluations[norm][ε] for the other attacks, with the attack, its budget, seed and sample count).',
  options: {
    checkpoint: { kind: 'string', arg: 'DIR', required: true, help: 'checkpoint folder' },
    norm: { kind: 'string', choices: ['l2', 'linf'], default: 'l2', help: 'threat model' },
    eps: {
      kind: 'numbers',
      arg: 'LIST',
      required: true,
      help: 'the ε values, comma-separated (e.g. 0.5,1,1.5,2)',
    },
    steps: { kind: 'int', arg: 'N', min: 1, default: 20, help: 'PGD iterations' },
    'step-size': { kind: 'number', defaultText: '2.5·ε/steps', help: 'PGD step size' },
    restarts: { kind: 'int', arg: 'R', min: 0, default: 0, help: 'random restarts' },
    'random-start': { kind: 'boolean', help: 'start PGD at a random point of the ε-ball' },
    limit: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: 'all',
      help: 'evaluate on N test images (seeded subset)',
    },
    data: {
      kind: 'string',
      arg: 'SPEC',
      defaultText: "the checkpoint's dataset",
      help: 'test set',
    },
    seed: {
      kind: 'int',
      arg: 'N',
      min: 0,
      default: 0,
      help: 'seed of the subset and attack starts',
    },
    batch: { kind: 'int', arg: 'N', min: 1, default: 250, help: 'images per attack batch' },
    'steps-check': {
      kind: 'numbers',
      arg: 'LIST',
      help: 'also attack with these step counts (e.g. 5,50) and warn when more steps give a HIGHER robust accuracy than fewer: a sign of gradient masking',
    },
    attack: {
      kind: 'string',
      choices: EVAL_ATTACKS,
      default: 'pgd',
      help: 'APGD (100 iterations), APGD-T (9 target classes), FAB-T (minimal-distance boundary attack, 9 target classes), Square (gradient-free), or AutoAttack: its attacks in sequence, each on the images still robust; PGD-20 on the same images too',
    },
    version: {
      kind: 'string',
      choices: AUTOATTACK_VERSIONS,
      default: 'standard',
      help: "AutoAttack's attack set (standard: APGD-CE, APGD-T, FAB-T, Square; rand: APGD-CE, APGD-DLR with EOT 20; custom: --attacks)",
    },
    attacks: {
      kind: 'string',
      arg: 'LIST',
      help: 'with --version custom: the attacks (apgd-ce, apgd-dlr, apgd-t, fab-t, square), e.g. apgd-ce,square',
    },
    queries: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '5000',
      help: "Square's query budget per image; a budget other than 5,000 is recorded under its own key and label",
    },
    iterations: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '100',
      help: "APGD's and FAB-T's iterations per run; a count other than 100 is recorded under its own key and label",
    },
    pool: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '$RFL_POOL_SIZE, else one per core',
      help: 'with --attack other than pgd: run up to N attack batches at once on worker threads, each its own single-threaded wasm instance (1 = this thread, single-threaded); same result for any N',
    },
  },
} as const satisfies VerbSpec;

export async function runEval(argv: string[]): Promise<void> {
  const o = parseVerb(evalVerb, argv);
  const epsList = o.eps;
  const stepsCheckList = o['steps-check'] ?? [];
  if (!stepsCheckList.every((k) => Number.isInteger(k) && k > 0))
    throw new UsageError(
      `--steps-check must list positive integers, got '${stepsCheckList.join(',')}'`,
    );
  // Keys of robustAcc are the ε values as the user wrote them (0.50 stays '0.50').
  const epsKeys = o._raw.eps?.split(',').map((s) => s.trim()) ?? epsList.map(String);
  if (o.version === 'custom' && !o.attacks)
    throw new UsageError('--version custom needs --attacks LIST (e.g. apgd-ce,square)');
  let custom;
  try {
    custom = o.attacks === undefined ? undefined : parseAttackList(o.attacks);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const ckpt = await loadCheckpoint(o.checkpoint);
  const seed = o.seed;
  const test = await loadDataset(o.data ?? defaultTestData(ckpt.manifest), {
    split: 'test',
    limit: o.limit,
    seed,
  });
  assertCheckpointFits(o.checkpoint, ckpt.manifest, test);
  const stepSize = o['step-size'];
  const bar = terminalProgress(o.json, 'eval');
  const evalOpts = {
    norm: o.norm,
    eps: epsList,
    steps: o.steps,
    stepSize: stepSize === undefined ? undefined : () => stepSize,
    restarts: o.restarts,
    randomStart: o['random-start'],
    seed,
    batchSize: o.batch,
  } as const;
  const fn = inferenceFn(ckpt.model);
  if (o.attack !== 'pgd') {
    await runAttackEval(fn, test, o.checkpoint, o.json, bar, {
      attack: o.attack,
      version: o.version,
      custom,
      queries: o.queries,
      iterations: o.iterations,
      norm: o.norm,
      eps: epsList,
      epsKeys,
      seed,
      batchSize: evalOpts.batchSize,
      ...(pool > 1 ? { pool: { checkpoint: o.checkpoint, size: pool } } : {}),
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

/** `eval --attack apgd-ce|apgd-t|fab-t|square|autoattack`: one entry per ε in metrics.json's evaluations. */
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
