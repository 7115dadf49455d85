/**
 * `robust-features run`: an experiment file with every step kind, on tiny budgets, in a fresh
 * folder, as the dist/cli.js bundle a user runs; then one construct step built as two shards
 * and merged, which must equal the whole build byte for byte.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildBundles } from '../../helpers/bundles';

const root = path.resolve(__dirname, '../../..');
const run = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'run', ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, RFL_POOL_SIZE: '1' },
  });

const STEP_TYPES = [
  'train',
  'adversarialTrain',
  'evaluate',
  'construct',
  'reproduce',
  'transfer',
  'gradients',
  'theory',
];

/** JSONC, as users write it: comments and a trailing comma. */
const EXPERIMENT = `{
  // every step kind the extension can start, on budgets of seconds
  "name": "every-step",
  "model": "mlp",
  "threatModel": { "norm": "l2", "eps": 1.5, "steps": 3 },
  "budgets": { "epochs": 1, "trainLimit": 300, "testLimit": 100, "attackSteps": 3, "seed": 0 },
  "steps": [
    { "type": "train", "out": "standard" },
    { "type": "adversarialTrain", "out": "robust" },
    { "type": "evaluate", "checkpoint": "robust", "eps": [0.5, 1.5], "limit": 50 },
    { "type": "construct", "kind": "robust", "checkpoint": "robust", "out": "D_R",
      "limit": 40, "steps": 5, "chunkSize": 20 },
    { "type": "train", "out": "on-D_R", "data": "D_R" },
    { "type": "transfer", "source": "standard", "out": "transfer", "archs": ["mlp"], "epochs": 1,
      "trainLimit": 40, "testLimit": 50, "steps": 5 },
    { "type": "gradients", "standard": "standard", "robust": "robust", "out": "gradients",
      "n": 2, "steps": 5 },
    { "type": "theory", "out": "theory" },
    { "type": "reproduce", "profile": "smoke", "out": "reproduce" },
  ],
}
`;

let ws: string;
before(() => {
  buildBundles('cli');
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-run-'));
  fs.writeFileSync(path.join(ws, 'every.rfl.json'), EXPERIMENT);
});

test('--dry-run resolves every step to its job and folder without writing anything', () => {
  const r = run(ws, 'every.rfl.json', '--dry-run', '--json');
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as {
    steps: { step: number; outDir: string; request: { kind: string; params: unknown } }[];
  };
  assert.deepEqual(
    plan.steps.map((s) => s.request.kind),
    [
      'train',
      'train',
      'evaluate',
      'construct',
      'train',
      'transfer',
      'gradients',
      'theory',
      'reproduce',
    ],
  );
  const runs = path.join(ws, 'runs', 'every-step');
  assert.equal(plan.steps[0]?.outDir, path.join(runs, 'standard'));
  // The evaluate step names the robust step's folder; D_R is trained on as npy.
  assert.equal(plan.steps[2]?.outDir, path.join(runs, 'robust'));
  const onDR = plan.steps[4]?.request.params as { config: { data: string; testData: string } };
  assert.equal(onDR.config.data, `npy:${path.join(runs, 'D_R')}`);
  assert.equal(onDR.config.testData, 'fashion-mnist');
  assert.ok(!fs.existsSync(path.join(ws, 'runs')), 'a dry run writes nothing');
});

test('run executes every step kind in order, one JSON line per progress event', () => {
  const r = run(ws, 'every.rfl.json', '--progress', 'json');
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; state?: string; type?: string; step: number });
  const done = events.filter((e) => e.event === 'step' && e.state === 'succeeded');
  assert.deepEqual(
    done.map((e) => e.step),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  for (const t of STEP_TYPES)
    assert.ok(
      done.some((e) => e.type === t),
      `no ${t} step ran`,
    );
  const progress = events.filter((e) => e.event === 'progress');
  for (const step of [1, 4, 6, 8, 9])
    assert.ok(
      progress.some((e) => e.step === step),
      `step ${step} reported no progress event`,
    );
  const out = (...p: string[]) => path.join(ws, 'runs', 'every-step', ...p);
  const json = (...p: string[]) => JSON.parse(fs.readFileSync(out(...p), 'utf8')) as unknown;
  const robust = json('robust', 'metrics.json') as {
    training: string;
    robustAcc: { l2: Record<string, number> };
    attack: { l2: { steps: number } };
  };
  assert.equal(robust.training, 'adversarial');
  assert.deepEqual(Object.keys(robust.robustAcc.l2).sort(), ['0.5', '1.5']);
  assert.equal(robust.attack.l2.steps, 3);
  const dR = json('D_R', 'manifest.json') as { summary: { complete: boolean; n: number } };
  assert.deepEqual([dR.summary.complete, dR.summary.n], [true, 40]);
  const onDR = json('on-D_R', 'manifest.json') as { dataset: string };
  assert.equal(onDR.dataset, `npy:${out('D_R')}`);
  const transfer = json('transfer', 'transfer.json') as { rows: { arch: string }[] };
  assert.deepEqual(
    transfer.rows.map((row) => row.arch),
    ['mlp'],
  );
  const gradients = json('gradients', 'metrics.json') as Record<string, unknown>;
  assert.ok(fs.existsSync(out('gradients', 'gradients-robust.png')), JSON.stringify(gradients));
  assert.equal((json('theory', 'manifest.json') as { kind: string }).kind, 'theory');
  assert.ok(fs.existsSync(out('theory', 'theory.json')));
  assert.ok(fs.existsSync(out('reproduce', 'results.md')));
});

test('a construct step built as two shards and merged equals the whole build', () => {
  const whole = path.join(ws, 'runs', 'every-step', 'D_R');
  assert.ok(fs.existsSync(path.join(whole, 'images.npy')), 'the previous test built D_R');
  // Build it again as shards into another runs folder, as a Slurm array would.
  const runs2 = path.join(ws, 'runs2');
  fs.cpSync(
    path.join(ws, 'runs', 'every-step', 'robust'),
    path.join(runs2, 'every-step', 'robust'),
    {
      recursive: true,
    },
  );
  for (const shard of ['0/2', '1/2']) {
    const r = run(ws, 'every.rfl.json', '--runs-folder', runs2, '--step', 'D_R', '--shard', shard);
    assert.equal(r.status, 0, r.stderr);
  }
  const sharded = path.join(runs2, 'every-step', 'D_R');
  assert.ok(fs.existsSync(`${sharded}.shard-0-of-2`) && fs.existsSync(`${sharded}.shard-1-of-2`));
  const m = run(ws, 'every.rfl.json', '--runs-folder', runs2, '--step', '4', '--merge-shards', '2');
  assert.equal(m.status, 0, m.stderr);
  for (const f of ['images.npy', 'labels.npy'])
    assert.ok(
      fs.readFileSync(path.join(sharded, f)).equals(fs.readFileSync(path.join(whole, f))),
      `${f} differs from the whole build`,
    );
});

test('bad experiment files and step names are refused, naming the file, line or step', () => {
  fs.writeFileSync(
    path.join(ws, 'bad.rfl.json'),
    '{ "name": "bad",\n  "steps": [ { "type": "transfer", "out": "t" } ] }',
  );
  const bad = run(ws, 'bad.rfl.json');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.rfl\.json:2:\d+: .*missing required property 'source'/);
  const step = run(ws, 'every.rfl.json', '--step', 'nope', '--dry-run');
  assert.equal(step.status, 2);
  assert.match(step.stderr, /--step nope: no such step; .*1 \(train → standard\)/);
  const shard = run(ws, 'every.rfl.json', '--step', 'standard', '--shard', '0/2');
  assert.equal(shard.status, 2);
  assert.match(shard.stderr, /--shard and --merge-shards need --step naming one construct step/);
});
