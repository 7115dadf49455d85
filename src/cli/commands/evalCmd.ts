/** `robust-features eval`: robust accuracy of a checkpoint for each ε, merged into its metrics.json. */
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { terminalProgress } from '../progress';
import { defaultTestData, loadCheckpoint } from '../../engine/models/checkpoint';
import { mergeIntoMetrics } from '../../engine/eval/mergeMetrics';
import { loadDataset } from '../../engine/formats/load';
import { inferenceFn } from '../../engine/eval/accuracy';
import { checkAttackStrength, evaluateRobustness } from '../../engine/eval/robust';
import { backendLabel } from '../../engine/provenance';

export const evalVerb = {
  name: 'eval',
  summary: 'robust accuracy of a checkpoint under PGD, for each ε: an accuracy–ε curve',
  description:
    "Writes the result into the checkpoint's metrics.json (robustAcc[norm][ε], with the attack used).",
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
  await startBackend(o.backend, o.json);
  const ckpt = await loadCheckpoint(o.checkpoint);
  const seed = o.seed;
  const test = await loadDataset(o.data ?? defaultTestData(ckpt.manifest), {
    split: 'test',
    limit: o.limit,
    seed,
  });
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
