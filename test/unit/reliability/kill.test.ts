/**
 * Kill harness (issues 9 and 24): every job kind is SIGKILLed at named points of its work
 * (src/engine/testKill.ts: at the start, mid-epoch, while a snapshot or chunk is being written,
 * between epochs, mid-chunk, mid-evaluation, between the files of the final report), rerun after
 * each kill, and finally run to the end. Its output folder must then equal an uninterrupted run's
 * byte for byte: weights, .npy, PNGs, and every JSON file less its timestamps and timings. After
 * every kill, each snapshot / chunk folder that exists must load whole. A reproduction killed
 * and resumed on pools of 2 and 3 threads must end with the bytes of one run on a single slot.
 *
 * The kill points are seeded (RFL_KILL_SEED picks the step counts), not timed: the same seed kills
 * at the same places on a fast machine and a slow one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeRng } from '../../../src/engine/formats/rng';
import { parseNpy } from '../../../src/engine/formats/npy';
import { buildBundles } from '../../helpers/bundles';

const root = path.resolve(__dirname, '../../..');
const cliPath = path.join(root, 'dist/cli.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-kill-'));
const rng = makeRng(Number(process.env.RFL_KILL_SEED ?? 2026));
/** 1 + a seeded draw below `n`: which step / batch a kill lands on. */
const pick = (n: number) => 1 + rng.int(n);
let killsLanded = 0;
after(() => console.log(`kill points landed: ${killsLanded}`));

before(() => {
  buildBundles('cli');
});

function cli(args: string[], kill?: string) {
  const env = { ...process.env };
  delete env.RFL_TEST_KILL;
  if (kill) env.RFL_TEST_KILL = kill;
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd: root, env });
}

function runToEnd(args: string[]): void {
  const r = cli(args);
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`);
}

/**
 * Runs `args` once per kill point (each must land: the process dies by SIGKILL where it said),
 * checking `intact` after each, then once more to the end.
 */
function killAtEach(args: string[], kills: string[], intact: () => void = () => undefined): void {
  for (const kill of kills) {
    const r = cli(args, kill);
    assert.equal(
      r.signal,
      'SIGKILL',
      `${kill}: expected the kill to land, the run ended with ${r.status}\n${r.stderr}`,
    );
    assert.match(r.stderr, /test kill at /, kill);
    killsLanded++;
    intact();
  }
  runToEnd(args);
}

/** Keys whose values are clocks or this run's resource use, not results. */
const VOLATILE = new Set([
  'createdAt',
  'date',
  'timings',
  'seconds',
  'wallSeconds',
  'trainSec',
  'trainSeconds',
  'evalSeconds',
  'computeSec',
  'imagesPerSec',
  'rssMiB',
  'wasmHeapMiB',
  'jsHeapMiB',
  'tensors',
]);
const stripVolatile = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(stripVolatile)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => !VOLATILE.has(k))
            .map(([k, x]) => [k, stripVolatile(x)]),
        )
      : v;

function files(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(dir, path.join(rel, e.name)) : [path.join(rel, e.name)],
    )
    .sort();
}

/**
 * What a run records about how it was computed, not what: the pool size and the backend label
 * (the wasm thread count of the thread that wrote the file). Left out only when comparing runs
 * made on different pool sizes.
 */
const HOW_RUN = new Set(['poolSize', 'backend']);
const dropKeys = (v: unknown, keys: Set<string>): unknown =>
  Array.isArray(v)
    ? v.map((x) => dropKeys(x, keys))
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => !keys.has(k))
            .map(([k, x]) => [k, dropKeys(x, keys)]),
        )
      : v;

/**
 * The two folders hold the same files with the same bytes, JSON less VOLATILE keys (and paths:
 * each run has its own folder), results.md less its timing table; `otherPool`: also less HOW_RUN
 * (in results.md, the backend sentence).
 */
function sameTree(
  out: string,
  ref: string,
  skip: (rel: string) => boolean = () => false,
  otherPool = false,
): void {
  const a = files(out).filter((f) => !skip(f));
  const b = files(ref).filter((f) => !skip(f));
  assert.deepEqual(a, b, `${out} holds the same files as ${ref}`);
  assert.ok(a.length > 0);
  const paths = (text: string) => text.split(out).join('<out>').split(ref).join('<out>');
  const json = (t: Buffer) => {
    const v = stripVolatile(JSON.parse(paths(t.toString())));
    return otherPool ? dropKeys(v, HOW_RUN) : v;
  };
  const md = (t: Buffer) => {
    const head = paths(t.toString()).split('## Time per step')[0]!;
    return otherPool ? head.replace(/; backend [^\n]*/g, '') : head;
  };
  for (const f of a) {
    const [x, y] = [fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(ref, f))];
    if (f.endsWith('.json')) assert.deepEqual(json(x), json(y), f);
    else if (f.endsWith('.md')) assert.equal(md(x), md(y), f);
    else assert.ok(x.equals(y), `${f} differs from the uninterrupted run's`);
  }
}

/** Every snapshot and chunk folder under `dir` is whole (staging folders may be left: they are skipped and removed). */
function intactUnder(dir: string): () => void {
  return () => {
    if (!fs.existsSync(dir)) return;
    for (const f of files(dir)) {
      if (f.includes('.staging-')) continue;
      const full = path.join(dir, f);
      if (f.endsWith('.npy')) parseNpy(new Uint8Array(fs.readFileSync(full)), full);
      if (f.endsWith('.json')) JSON.parse(fs.readFileSync(full, 'utf8'));
      if (/epochs\/\d{4}\/state\.json$/.test(f))
        assert.deepEqual(
          fs.readdirSync(path.dirname(full)).sort(),
          ['model.json', 'optimizer.bin', 'state.json', 'weights.bin'],
          `snapshot ${path.dirname(f)} is whole`,
        );
      if (/chunks\/\d{5}\/meta\.json$/.test(f))
        assert.deepEqual(
          fs.readdirSync(path.dirname(full)).sort(),
          ['images.npy', 'labels.npy', 'meta.json'],
          `chunk ${path.dirname(f)} is whole`,
        );
    }
  };
}

const TRAIN = ['train', '--model', 'mlp', '--limit', '300', '--test-limit', '100', '--epochs'];
const trainArgs = (extra: string[]) => [
  ...TRAIN,
  '2',
  '--batch',
  '32',
  '--seed',
  '5',
  '--resume',
  ...extra,
];
/** Filled by the training tests: the uninterrupted runs' checkpoints, sources of the later jobs. */
const checkpoints: Record<string, string> = {};

const trainings: [string, string[]][] = [
  ['adam-std', []],
  ['adam-adv', ['--adv', '--norm', 'linf', '--eps', '0.1', '--steps', '3']],
  ['sgd-std', ['--optimizer', 'sgd', '--lr', '0.05']],
  ['sgd-adv', ['--optimizer', 'sgd', '--lr', '0.05', '--adv', '--eps', '1', '--steps', '3']],
];

for (const [name, extra] of trainings)
  test(`train (${name}) killed at seeded points resumes to the same bytes`, () => {
    const ref = tmp();
    runToEnd([...trainArgs(extra), '--out', ref]);
    checkpoints[name] = ref;
    const out = tmp();
    const at = (p: string, file = '') => `${p}:${path.basename(out)}${file}`;
    // 300 images in batches of 32: 10 steps an epoch, 2 epochs. Every configuration is killed
    // mid-epoch, between epochs and in its final files; the first also at the start and inside a
    // snapshot.
    const kills = [
      ...(name === 'adam-std' ? [at('start@1'), at('snapshot@1')] : []),
      at(`train-step@${pick(9)}`),
      at('epoch-end@1'),
      at(`train-step@${pick(9)}`),
      at('report@1', '/manifest.json'),
      ...(name === 'adam-std' ? [at('report@1', '/metrics.json')] : []),
    ];
    killAtEach([...trainArgs(extra), '--out', out], kills, intactUnder(out));
    sameTree(out, ref);
  });

test('train killed while pruning an old snapshot resumes to the same bytes, no remnant left', () => {
  // Three epochs: the third snapshot prunes the first (two are kept).
  const args = [...TRAIN, '3', '--batch', '64', '--seed', '5', '--resume'];
  const ref = tmp();
  runToEnd([...args, '--out', ref]);
  const out = tmp();
  killAtEach(
    [...args, '--out', out],
    [`remove@1:${path.basename(out)}/epochs/0001`],
    intactUnder(out),
  );
  sameTree(out, ref);
});

const constructArgs = (kind: string, ckpt: string, pool: string) => [
  'construct',
  '--kind',
  kind,
  '--checkpoint',
  ckpt,
  '--limit',
  '120',
  '--chunk',
  '40',
  '--batch',
  '20',
  '--steps',
  '5',
  ...(kind === 'rand' || kind === 'det' ? ['--eps', '2'] : ['--step-size', '0.1']),
  '--pool',
  pool,
];

for (const kind of ['robust', 'nonrobust', 'rand', 'det'])
  test(`construct (${kind}) killed at seeded points resumes to the same bytes`, () => {
    const ckpt = checkpoints[kind === 'robust' ? 'adam-adv' : 'adam-std'];
    assert.ok(ckpt, 'the training tests ran first');
    // rand on a pool of 2: a kill in any thread takes the whole process down.
    const pool = kind === 'rand' ? '2' : '1';
    const ref = tmp();
    runToEnd([...constructArgs(kind, ckpt, pool), '--out', ref]);
    const out = tmp();
    const at = (p: string, file = '') => `${p}:${path.basename(out)}${file}`;
    // 120 images in 3 chunks of 40, each 2 batches of 20.
    const kills =
      kind === 'det'
        ? [
            at('start@1'),
            at('chunk-batch@3'),
            at('chunk-write@1'),
            at('report@1', '/images.npy'),
            at('report@1', '/chunks'),
            at('remove@1', '/chunks'),
          ]
        : [at(`chunk-batch@${pick(2)}`), at('chunk-write@1')];
    killAtEach([...constructArgs(kind, ckpt, pool), '--out', out], kills, intactUnder(out));
    assert.ok(!fs.existsSync(path.join(out, 'chunks')), 'the chunks are gone once assembled');
    sameTree(out, ref);
  });

test('transfer killed at seeded points resumes to the same bytes', () => {
  const source = checkpoints['adam-std'];
  assert.ok(source);
  const args = (out: string) => [
    'transfer',
    '--source',
    source,
    '--out',
    out,
    '--archs',
    'mlp',
    '--epochs',
    '2',
    '--limit',
    '200',
    '--test-limit',
    '100',
    '--steps',
    '5',
    '--pool',
    '1',
  ];
  const ref = tmp();
  runToEnd(args(ref));
  const out = tmp();
  const b = path.basename(out);
  killAtEach(
    args(out),
    [
      `chunk-batch@1:${b}/D_rand`,
      `eval-batch@1:${b}`,
      `train-step@3:${b}/rand_mlp`,
      `train-step@3:${b}/std_mlp`,
      `report@1:${b}/transfer.csv`,
    ],
    intactUnder(out),
  );
  sameTree(out, ref);
});

test('gradients killed at seeded points reruns to the same bytes', () => {
  const [standard, robust] = [checkpoints['adam-std'], checkpoints['adam-adv']];
  assert.ok(standard && robust);
  const args = (out: string) => [
    'gradients',
    '--standard',
    standard,
    '--robust',
    robust,
    '--out',
    out,
    '--n',
    '4',
    '--steps',
    '5',
  ];
  const ref = tmp();
  runToEnd(args(ref));
  const out = tmp();
  const b = path.basename(out);
  killAtEach(args(out), [`eval-batch@${pick(2)}:${b}`, `report@1:${b}/metrics.json`]);
  sameTree(out, ref);
});

/**
 * A fresh copy of one of the training tests' checkpoints: eval writes into the checkpoint's
 * metrics.json, so each run gets its own.
 */
function checkpointCopy(name: string): string {
  const source = checkpoints[name];
  assert.ok(source, `the ${name} training test made its checkpoint`);
  const d = tmp();
  fs.cpSync(source, d, { recursive: true });
  return d;
}

test('eval killed mid-evaluation reruns to the same metrics.json', () => {
  const copy = () => checkpointCopy('adam-adv');
  const args = (ckpt: string) => [
    'eval',
    '--checkpoint',
    ckpt,
    '--norm',
    'l2',
    '--eps',
    '0.5,1',
    '--steps',
    '5',
    '--limit',
    '100',
    '--batch',
    '50',
    '--json',
  ];
  const ref = copy();
  runToEnd(args(ref));
  const out = copy();
  // 2 batches × 2 ε: four attack batches.
  killAtEach(args(out), [`eval-batch@${pick(3)}`]);
  sameTree(out, ref);
});

test('eval --attack autoattack killed inside its attacks reruns to the same metrics.json', () => {
  const copy = () => checkpointCopy('adam-adv');
  // The L∞ radius the checkpoint was trained at, so that some images survive into APGD-T and
  // Square; small budgets keep the file fast.
  const args = (ckpt: string) => [
    'eval',
    '--checkpoint',
    ckpt,
    '--norm',
    'linf',
    '--eps',
    '0.1',
    '--attack',
    'autoattack',
    '--queries',
    '30',
    '--iterations',
    '10',
    '--limit',
    '40',
    '--batch',
    '10',
    '--json',
  ];
  const ref = copy();
  runToEnd(args(ref));
  const out = copy();
  // The first four batch ends are APGD-CE's (40 images in batches of 10): a kill in its second
  // batch, then one among the later attacks' and PGD-20's batches.
  killAtEach(args(out), ['eval-batch@2', `eval-batch@${5 + pick(3)}`]);
  sameTree(out, ref);
});

const smokeArgs = (out: string, pool = 1) => [
  'reproduce',
  '--profile',
  'smoke',
  '--pool',
  String(pool),
  '--out',
  out,
];
let smokeRef: string | undefined;
/** An uninterrupted smoke reproduction on one slot, made once for the tests that compare with it. */
function smokeReference(): string {
  if (!smokeRef) {
    smokeRef = tmp();
    runToEnd(smokeArgs(smokeRef));
  }
  return smokeRef;
}

test('reproduce (smoke) killed inside every step ends with the same bytes', () => {
  const args = (out: string) => smokeArgs(out);
  const ref = smokeReference();
  const out = tmp();
  const b = path.basename(out);
  // smoke: 300 images, batches of 128 (3 steps an epoch), 2 epochs; one chunk of 2 batches per
  // construction; 100 test images (one evaluation batch per model).
  killAtEach(
    args(out),
    [
      `start@1:${b}`,
      // On one slot the critical path comes first: adversarial training, then standard.
      `train-step@${pick(2)}:${b}/adversarial_D`,
      `epoch-end@1:${b}/adversarial_D`,
      `snapshot@1:${b}/adversarial_D`,
      `train-step@${pick(5)}:${b}/standard_D`,
      `chunk-batch@1:${b}/D_robust`,
      `chunk-write@1:${b}/D_nonrobust`,
      `report@1:${b}/D_rand/images.npy`,
      `report@1:${b}/D_det/chunks`,
      `train-step@${pick(5)}:${b}/standard_DR`,
      `report@1:${b}/standard_DNR/metrics.json`,
      `epoch-end@1:${b}/standard_Drand`,
      `train-step@${pick(5)}:${b}/standard_Ddet`,
      'eval-batch@1',
      'eval-batch@3',
      `report@1:${b}/manifest.json`,
    ],
    intactUnder(out),
  );
  sameTree(out, ref, (f) => f === 'timings.json');
});

test('reproduce (smoke) on pools of 2 and 3, killed in parallel steps, ends with the one-slot bytes', () => {
  const ref = smokeReference();
  const out = tmp();
  const b = path.basename(out);
  // Each kill lands in whichever pool thread reaches the point first (a SIGKILL takes the whole
  // process); the reruns alternate the pool size, the last one runs on 2 slots to the end.
  const kills: [string, number][] = [
    [`train-step@${pick(5)}:${b}/standard_D`, 2],
    [`epoch-end@1:${b}/adversarial_D`, 3],
    [`chunk-batch@1:${b}/D_nonrobust`, 2],
    [`chunk-write@1:${b}/D_rand`, 3],
    [`remove@1:${b}/D_robust/chunks`, 3],
    [`train-step@${pick(5)}:${b}/standard_DR`, 2],
    ['eval-batch@1', 3],
  ];
  const check = intactUnder(out);
  for (const [kill, pool] of kills) {
    const r = cli(smokeArgs(out, pool), kill);
    assert.equal(
      r.signal,
      'SIGKILL',
      `${kill} (pool ${pool}): the run ended with ${r.status}\n${r.stderr}`,
    );
    assert.match(r.stderr, /test kill at /, kill);
    killsLanded++;
    check();
  }
  runToEnd(smokeArgs(out, 2));
  sameTree(out, ref, (f) => f === 'timings.json', true);
});
