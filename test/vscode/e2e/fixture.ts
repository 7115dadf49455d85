/**
 * The panel tests' fixture, made by the engine's own commands on real Fashion-MNIST, through the
 * built CLI (dist/cli.js) exactly as a user runs it; nothing in it is written by hand:
 *   OUT/small/run        `reproduce --profile smoke --train-limit 24`: results.json, six
 *                        checkpoints with eval.json, D_R, D_NR, D_rand, D_det of 24 images;
 *   OUT/small/gradients  `gradients` of the run's standard_D and adversarial_D (paper §4);
 *   OUT/small/transfer   `transfer` from standard_D to an mlp and a cnn: Figure 3 (paper §3.3),
 *                        then `eval` of its std_mlp at three radii (metrics.json);
 *   OUT/big/run          `construct` of all four kinds on BIG_ROWS images, one step each, from the
 *                        small run's checkpoints (the gallery's scrolling test; the pixels matter
 *                        little, the row count does).
 * OUT/expected.json holds what the tests compare with that the files do not say directly, each
 * computed here through the engine's API, apart from the extension: the source selection's labels,
 * the checkpoints' predictions (top-1, top-3) on every column, the diff of one pair of images and
 * the normalised gradient maps. The panels' numbers (results.json, eval.json, metrics.json) the
 * tests read from the run's own files.
 * Usage: tsx test/vscode/e2e/fixture.ts OUT_DIR [BIG_ROWS]   (BIG_ROWS default 10000; 0: no big run)
 * Needs dist/cli.js (node esbuild.mjs --only cli, which builds its pool thread too).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readDatasetFolder, readDatasetManifest } from '../../../src/engine/formats/constructed';
import { loadDataset } from '../../../src/engine/formats/load';
import type { Dataset } from '../../../src/engine/types';
import { initBackend } from '../../../src/engine/backend/ladder';
import { inferenceFn, predictLabels } from '../../../src/engine/eval/accuracy';
import { loadCheckpoint } from '../../../src/engine/models/checkpoint';
import { inputGradients } from '../../../src/engine/interpret/gradients';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const DATA = 'fashion-mnist';
/** Rows of the small gallery: few enough that a class filter shows all its rows at once. */
const SMALL_ROWS = 24;
/** Test images of every accuracy in results.json. */
const TEST_ROWS = 100;
const KINDS = ['robust', 'nonrobust', 'rand', 'det'] as const;
/** Gradient report: images, and the class drawings' L2 radius and steps (small: a fixture). */
const GRADIENTS = { n: 4, eps: 2, steps: 5, seed: 0 };
/** Radii of the `eval` run on the transfer run's standard mlp. */
const EVAL_EPS = '0.5,1,1.5';
/** Figure 3: three architectures (the fewest a correlation takes), one epoch, a short attack. */
const TRANSFER = [
  '--archs',
  'mlp,cnn,cnn-wide',
  '--epochs',
  '1',
  '--steps',
  '5',
  '--bootstrap',
  '200',
];

/** Runs `robust-features ARGS` (the built CLI); its output goes to OUT/logs/NAME.log. */
function cli(logs: string, name: string, args: string[]): Promise<void> {
  const log = fs.openSync(path.join(logs, `${name}.log`), 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', log, log] });
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.closeSync(log);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `robust-features ${args.join(' ')} exited ${code}; see ${path.join(logs, `${name}.log`)}`,
          ),
        );
    });
  });
}

/** The source images of a constructed set: the selection its manifest records (what the gallery shows). */
async function sourceOf(dir: string): Promise<Dataset> {
  const cfg = readDatasetManifest(dir)?.config as
    { data: string; limit: number; seed: number } | undefined;
  if (!cfg) throw new Error(`${dir}: no constructed-dataset manifest`);
  return loadDataset(cfg.data, { split: 'train', limit: cfg.limit, seed: cfg.seed });
}

/** Top-3 classes with the softmax probabilities of image i. */
function top3(fn: ReturnType<typeof inferenceFn>, ds: Dataset, i: number): [number, number][] {
  const [, h, w, c] = ds.shape;
  const size = h * w * c;
  const p = tf.tidy(() =>
    tf
      .softmax(fn(tf.tensor4d(ds.images.subarray(i * size, (i + 1) * size), [1, h, w, c])))
      .dataSync(),
  );
  return Array.from(p, (pr, label) => [label, pr] as [number, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
}

/**
 * What the gallery's predictions and the diff panel must show: each checkpoint's top-1 on every
 * column, the rows where some constructed version is predicted another class than the original,
 * and the top-3 of image 3 in the original and in D_R (the diff test's pair).
 */
async function predictions(
  run: string,
  columns: [string, Dataset][],
): Promise<Record<string, unknown>> {
  const n = columns[0]![1].shape[0];
  const out: Record<string, unknown> = {};
  for (const [role, name] of [
    ['standard', 'standard_D'],
    ['robust', 'adversarial_D'],
  ] as const) {
    const dir = path.join(run, name);
    const { model } = await loadCheckpoint(dir);
    const fn = inferenceFn(model);
    const top1: Record<string, number[]> = {};
    for (const [key, ds] of columns) top1[key] = Array.from(await predictLabels(fn, ds));
    const flipped = Array.from({ length: n }, (_, i) => i).filter((i) =>
      columns.slice(1).some(([key]) => top1[key]![i] !== top1.source![i]),
    ).length;
    out[role] = {
      name,
      dir,
      top1,
      flipped,
      top3: { source3: top3(fn, columns[0]![1], 3), robust3: top3(fn, columns[1]![1], 3) },
    };
    model.dispose();
  }
  return out;
}

/** The engine's normalised gradient maps of the report's test images, as the bytes a PNG stores. */
async function gradientMaps(run: string): Promise<Record<string, number[][]>> {
  const test = await loadDataset(DATA, {
    split: 'test',
    limit: GRADIENTS.n,
    seed: GRADIENTS.seed,
  });
  const [, h, w] = test.shape;
  const byte = (v: number) => (v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0);
  const maps: Record<string, number[][]> = {};
  for (const [role, name] of [
    ['standard', 'standard_D'],
    ['robust', 'adversarial_D'],
  ] as const) {
    const { model } = await loadCheckpoint(path.join(run, name));
    const idx = Array.from({ length: GRADIENTS.n }, (_, i) => i);
    const g = await inputGradients(inferenceFn(model), test, idx);
    maps[role] = idx.map((i) => Array.from(g.display.subarray(i * h * w, (i + 1) * h * w), byte));
    model.dispose();
  }
  return maps;
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? '.vscode-ci-panels/fixture');
  const bigRows = Number(process.argv[3] ?? 10000);
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run node esbuild.mjs --only cli`);
  fs.rmSync(out, { recursive: true, force: true });
  const logs = path.join(out, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);

  const run = path.join(out, 'small', 'run');
  await cli(logs, 'reproduce', [
    'reproduce',
    '--profile',
    'smoke',
    '--train-limit',
    String(SMALL_ROWS),
    '--test-limit',
    String(TEST_ROWS),
    '--data',
    DATA,
    '--out',
    run,
    '--json',
  ]);
  const tRepro = seconds();
  const gradients = path.join(out, 'small', 'gradients');
  const ckpt = (name: string) => path.join(run, name);
  const transfer = path.join(out, 'small', 'transfer');
  const jobs = [
    cli(logs, 'gradients', [
      'gradients',
      '--standard',
      ckpt('standard_D'),
      '--robust',
      ckpt('adversarial_D'),
      '--data',
      DATA,
      '--out',
      gradients,
      '--n',
      String(GRADIENTS.n),
      '--eps',
      String(GRADIENTS.eps),
      '--steps',
      String(GRADIENTS.steps),
      '--seed',
      String(GRADIENTS.seed),
    ]),
    cli(logs, 'transfer', [
      'transfer',
      '--source',
      ckpt('standard_D'),
      '--limit',
      String(SMALL_ROWS),
      '--test-limit',
      String(TEST_ROWS),
      ...TRANSFER,
      '--pool',
      '1',
      '--out',
      transfer,
    ]).then(() =>
      // An accuracy-ε curve of several radii, in metrics.json (where `eval` writes it): the
      // Results panel's other source of curves, beside reproduce's eval.json.
      cli(logs, 'eval', [
        'eval',
        '--checkpoint',
        path.join(transfer, 'std_mlp'),
        '--eps',
        EVAL_EPS,
        '--steps',
        '5',
        '--limit',
        String(TEST_ROWS),
      ]),
    ),
  ];
  // One thread each, side by side: loading and writing 10,000 images dominates, not the one step.
  if (bigRows > 0)
    for (const kind of KINDS)
      jobs.push(
        cli(logs, `construct-${kind}`, [
          'construct',
          '--kind',
          kind,
          '--checkpoint',
          ckpt(kind === 'robust' ? 'adversarial_D' : 'standard_D'),
          '--data',
          DATA,
          '--limit',
          String(bigRows),
          '--steps',
          '1',
          '--pool',
          '1',
          '--out',
          path.join(out, 'big', 'run', `D_${kind}`),
        ]),
      );
  await Promise.all(jobs);
  const tCommands = seconds();

  await initBackend('auto');
  const source = await sourceOf(path.join(run, 'D_robust'));
  const columns: [string, Dataset][] = [['source', source]];
  for (const kind of KINDS)
    columns.push([kind, await readDatasetFolder(path.join(run, `D_${kind}`))]);
  const robust = columns[1]![1];
  const size = source.images.length / source.shape[0];
  let s = 0;
  let m = 0;
  for (let k = 0; k < size; k++) {
    const d = robust.images[3 * size + k]! - source.images[3 * size + k]!;
    s += d * d;
    m = Math.max(m, Math.abs(d));
  }
  const models = await predictions(run, columns);
  models.gradients = {
    dir: gradients,
    n: GRADIENTS.n,
    numClasses: source.numClasses,
    maps: await gradientMaps(run),
  };
  const small = {
    rows: source.shape[0],
    runDir: run,
    transferDir: transfer,
    models,
    diff: { index: 3, l2: Math.sqrt(s), linf: m },
    trueLabels: Array.from(source.labels),
    detLabels: Array.from(columns[4]![1].labels),
  };
  fs.writeFileSync(
    path.join(out, 'expected.json'),
    JSON.stringify({ small, big: bigRows > 0 ? { rows: bigRows } : undefined }, null, 2),
  );
  console.log(
    `fixture: ${out} (${small.rows} + ${bigRows} rows): reproduce ${tRepro} s, gradients, transfer and constructions until ${tCommands} s, expected values until ${seconds()} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
