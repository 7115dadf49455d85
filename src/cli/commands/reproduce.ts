/** `robust-features reproduce [--profile smoke|quick|full] [--data SPEC] --out DIR`: Figure 2 and Table 1. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, startBackend, num, poolOption } from '../args';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { terminalProgress } from '../progress';
import { reproduce } from '../../engine/reproduce/pipeline';
import { parseNorm, parseProfile, profileFor } from '../../engine/formats/profiles';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { parseSeeds, reproduceSeeds } from '../../engine/reproduce/seeds';
import { autoAttackReproduction } from '../../engine/reproduce/autoattackEval';

const HELP = `robust-features reproduce [--profile smoke|quick|full] [--model M] [--data SPEC] --out DIR [--json]
  Standard and adversarial training on D; D_R, D_NR, D_rand, D_det built from them; standard training
  on each; evaluation on the original test set. Writes DIR/results.json, DIR/results.md (beside the
  paper's CIFAR-10 numbers) and DIR/manifest.json. Rerunning skips finished steps.
  --profile  smoke: a minute on an mlp, to check an install (numbers mean little); quick: the
             issue's 5,000-image run; full: all images, the paper's step counts
  --model    ${ARCHS.join('|')}: every model of the run (default the profile's: cnn, or the
             resnet for full on CIFAR-10; mlp for smoke)
  --pool N   the cores to use (default: all): N threads run the steps as a task graph, each its
             own single-threaded wasm instance; 1 = every step on the main thread, single-threaded
             (RFL_WASM_THREADS=K gives it K threads); the same results for any N
  --seed N   the seed of every random choice (training and test subsets, initialisation, batch
             order, attack starts, inversion start images, D_rand targets); default the
             profile's, 0. Runs with several seeds show how far each number moves by chance.
  --seeds A,B,C  one whole run per seed (DIR/seed-A, ...), then every cell as mean ± standard
             deviation in DIR/results.md and results.json (its figure2/table1 hold the means;
             aggregate and perSeed the rest)
  --norm l2|linf  the threat model of adversarial training, evaluation and D_rand/D_det
             (default l2; the L∞ radii: README, "Choosing ε for L∞")
  --data fashion-mnist (default) | cifar10:PATH | folder:PATH | mnist:PATH

  --eval pgd|autoattack  robust accuracy by PGD-20 (default), or also by AutoAttack (standard) on
             the same test images: both are reported, AutoAttack's in DIR/autoattack.json`;

export async function runReproduce(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      profile: { type: 'string', default: 'quick' },
      data: { type: 'string', default: 'fashion-mnist' },
      out: { type: 'string' },
      pool: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      norm: { type: 'string', default: 'l2' },
      model: { type: 'string' },
      eval: { type: 'string', default: 'pgd' },
    },
    HELP,
  );
  if (!o.out) throw new Error(`--out DIR is required\n\n${HELP}`);
  if (o.eval !== 'pgd' && o.eval !== 'autoattack')
    throw new Error(`--eval must be pgd or autoattack, got '${o.eval}'`);
  const seed = num(o.seed, 'seed');
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0))
    throw new Error(`--seed must be a whole number ≥ 0, got '${o.seed}'`);
  if (seed !== undefined && o.seeds !== undefined)
    throw new Error('--seed and --seeds exclude each other: give one seed or a list');
  const seeds = o.seeds === undefined ? undefined : parseSeeds(o.seeds);
  if (seeds && o.eval === 'autoattack')
    throw new Error(
      "--eval autoattack evaluates one run's models: run it per seed (--seed N), not with --seeds",
    );
  const profile = {
    ...profileFor(parseProfile(o.profile), o.data, parseNorm(o.norm)),
    ...(seed === undefined ? {} : { seed }),
    ...(o.model === undefined ? {} : { model: parseArch(o.model) }),
  };
  const pool = poolOption(o.pool) ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, 'reproduce');
  const opts = { profile, data: o.data, out: o.out, poolSize: pool };
  const ctx = { onProgress: bar.onProgress, log: bar.log };
  const results = seeds ? await reproduceSeeds(opts, seeds, ctx) : await reproduce(opts, ctx);
  const autoattack =
    o.eval === 'autoattack' ? await autoAttackReproduction(o.out, profile, o.data, ctx) : undefined;
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
