/** `robust-features reproduce`: the paper's Figure 2 and Table 1 end to end. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { errorMessage } from '../../shared/errorMessage';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { terminalProgress } from '../progress';
import { reproduce } from '../../engine/reproduce/pipeline';
import { parseSeeds, reproduceSeeds } from '../../engine/reproduce/seeds';
import { autoAttackReproduction } from '../../engine/reproduce/autoattackEval';
import { ARCHS } from '../../engine/models/registry';
import { profileFor } from '../../engine/formats/profiles';

/** "the profile's: smoke 300, quick 5000, full all", read from the profiles (Fashion-MNIST's). */
function profileLimits(key: 'trainLimit' | 'testLimit'): string {
  const each = (['smoke', 'quick', 'full'] as const).map(
    (name) => `${name} ${profileFor(name, 'fashion-mnist')[key] ?? 'all'}`,
  );
  return `the profile's: ${each.join(', ')}`;
}

export const reproduceVerb = {
  name: 'reproduce',
  summary: "the paper's Figure 2 and Table 1 end to end",
  description: [
    'Standard and adversarial training on D; D_R, D_NR, D_rand, D_det built from them; standard',
    'training on each; evaluation on the original test set. Writes DIR/results.json,',
    "DIR/results.md (beside the paper's CIFAR-10 numbers) and DIR/manifest.json. Rerunning skips",
    'finished steps.',
  ].join('\n'),
  options: {
    profile: {
      kind: 'string',
      choices: ['smoke', 'quick', 'full'],
      default: 'quick',
      help: "smoke: a minute on an mlp, to check an install (numbers mean little); quick: the 5,000-image run; full: all images, the paper's step counts",
    },
    model: {
      kind: 'string',
      choices: ARCHS,
      defaultText: "the profile's: cnn, or the resnet for full on CIFAR-10; mlp for smoke",
      help: 'every model of the run',
    },
    data: {
      kind: 'string',
      arg: 'SPEC',
      default: 'fashion-mnist',
      help: 'fashion-mnist | cifar10:PATH | folder:PATH | mnist:PATH',
    },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'results folder' },
    pool: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '$RFL_POOL_SIZE, else one per core',
      help: 'cores: N threads run the steps as a task graph, each its own single-threaded wasm instance; 1 = every step on the main thread, single-threaded (RFL_WASM_THREADS=K gives it K threads); the same results for any N',
    },
    'train-limit': {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: profileLimits('trainLimit'),
      help: 'training images drawn (seeded, class-balanced) from the source training set, and so the size of every constructed set',
    },
    'test-limit': {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: profileLimits('testLimit'),
      help: 'test images of every accuracy in results.json',
    },
    seed: {
      kind: 'int',
      arg: 'N',
      min: 0,
      defaultText: "the profile's, 0",
      help: 'the seed of every random choice (subsets, initialisation, batch order, attack starts, inversion start images, D_rand targets); runs with several seeds show how far each number moves by chance',
    },
    seeds: {
      kind: 'string',
      arg: 'A,B,C',
      help: 'one whole run per seed (DIR/seed-A, ...), then every cell as mean ± standard deviation in DIR/results.md and results.json (its figure2/table1 hold the means; aggregate and perSeed the rest); excludes --seed',
    },
    norm: {
      kind: 'string',
      choices: ['l2', 'linf'],
      default: 'l2',
      help: 'the threat model of adversarial training, evaluation and D_rand/D_det (the L∞ radii: README, "Choosing ε for L∞")',
    },
    eval: {
      kind: 'string',
      choices: ['pgd', 'autoattack'],
      default: 'pgd',
      help: "robust accuracy by PGD-20, or also by AutoAttack (standard) on the same test images: both are reported, AutoAttack's in DIR/autoattack.json; one run's models, so not with --seeds",
    },
  },
} as const satisfies VerbSpec;

export async function runReproduce(argv: string[]): Promise<void> {
  const o = parseVerb(reproduceVerb, argv);
  if (o.seed !== undefined && o.seeds !== undefined)
    throw new UsageError('--seed and --seeds exclude each other: give one seed or a list');
  let seeds;
  try {
    seeds = o.seeds === undefined ? undefined : parseSeeds(o.seeds);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  if (seeds && o.eval === 'autoattack')
    throw new UsageError(
      "--eval autoattack evaluates one run's models: run it per seed (--seed N), not with --seeds",
    );
  const profile = {
    ...profileFor(o.profile, o.data, o.norm),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.model === undefined ? {} : { model: o.model }),
    ...(o['train-limit'] === undefined ? {} : { trainLimit: o['train-limit'] }),
    ...(o['test-limit'] === undefined ? {} : { testLimit: o['test-limit'] }),
  };
  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, 'reproduce');
  const opts = { profile, data: o.data, out: o.out, poolSize: pool };
  const ctx = { onProgress: bar.onProgress, log: bar.log };
  const results = seeds ? await reproduceSeeds(opts, seeds, ctx) : await reproduce(opts, ctx);
  const autoattack =
    o.eval === 'autoattack'
      ? await autoAttackReproduction(o.out, profile, o.data, ctx, pool)
      : undefined;
  bar.stop();
  if (o.json) {
    console.log(JSON.stringify(autoattack ? { ...results, autoattack } : results));
    return;
  }
  console.log(fs.readFileSync(path.join(o.out, 'results.md'), 'utf8'));
  if (!autoattack) return;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `Robust accuracy, ${profile.evaluation.norm.toUpperCase()} ε = ${profile.evaluation.eps}:`,
  );
  for (const [name, e] of Object.entries(autoattack))
    console.log(
      `  ${name.padEnd(16)} ${e.label} ${pct(e.robustAcc)}   PGD-${e.pgd?.steps ?? 20} ${e.pgd ? pct(e.pgd.robustAcc) : '?'}   (${e.n} images)`,
    );
}
