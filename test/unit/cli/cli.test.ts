/** The CLI as users run it: the esbuild bundle dist/cli.js, in a child process. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readResultsFolder } from '../../../src/extension/panels/resultsData';
import { ARCHS } from '../../../src/engine/models/registry';
import { loadDataset } from '../../../src/engine/formats/load';
import { writeDatasetFolder } from '../../../src/engine/formats/constructed';
import { buildBundles } from '../../helpers/bundles';

const root = path.resolve(__dirname, '../../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    cwd: root,
  });

/** `reproduce --profile smoke` on 30 training and 40 test images into a fresh folder. */
function smallSmokeRun(prefix: string, ...args: string[]) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const r = cli(
    'reproduce',
    '--profile',
    'smoke',
    '--train-limit',
    '30',
    '--test-limit',
    '40',
    ...args,
    '--out',
    out,
  );
  return { r, out };
}

before(() => {
  buildBundles('cli');
});

test('info names the wasm backend, why the native rungs were skipped, and finds Fashion-MNIST', () => {
  const r = cli('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    backend: { name: string; ladder: { backend: string; status: string; reason: string }[] };
    datasets: { name: string; found: boolean }[];
  };
  assert.equal(info.backend.name, 'wasm');
  const node = info.backend.ladder.find((l) => l.backend === 'tfjs-node');
  assert.equal(node?.status, 'skipped');
  assert.match(node?.reason ?? '', /not installed/);
  assert.ok(info.datasets.find((d) => d.name === 'fashion-mnist')?.found);
  const text = cli('info');
  assert.match(text.stdout, /→ wasm\s+chosen\s+SIMD on/);
});

test('train then eval --json: the documented output shape, written into metrics.json', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  const t = cli(
    'train',
    '--model',
    'mlp',
    '--limit',
    '1000',
    '--test-limit',
    '200',
    '--epochs',
    '1',
    '--out',
    out,
    '--json',
  );
  assert.equal(t.status, 0, t.stderr);
  const trained = JSON.parse(t.stdout) as { standardAcc: number; n: number };
  assert.ok(trained.standardAcc > 0.6, `accuracy ${trained.standardAcc}`);
  const e = cli(
    'eval',
    '--checkpoint',
    out,
    '--norm',
    'l2',
    '--eps',
    '0.5,1.5',
    '--steps',
    '5',
    '--limit',
    '100',
    '--json',
  );
  assert.equal(e.status, 0, e.stderr);
  const r = JSON.parse(e.stdout) as {
    standardAcc: number;
    robustAcc: Record<string, number>;
    attack: { norm: string; steps: number; restarts: number; backend: string };
    n: number;
  };
  assert.deepEqual(Object.keys(r.robustAcc), ['0.5', '1.5']);
  assert.equal(r.n, 100);
  assert.equal(r.attack.norm, 'l2');
  assert.equal(r.attack.steps, 5);
  assert.match(r.attack.backend, /^wasm/);
  // Robust accuracy can only fall as ε grows, and never exceeds clean accuracy.
  assert.ok((r.robustAcc['1.5'] as number) <= (r.robustAcc['0.5'] as number));
  assert.ok((r.robustAcc['0.5'] as number) <= r.standardAcc);
  const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
    robustAcc: { l2: Record<string, number> };
    attack: { l2: { steps: number } };
  };
  assert.equal(metrics.robustAcc.l2['1.5'], r.robustAcc['1.5']);
  assert.equal(metrics.attack.l2.steps, 5);
});

test('train --test-data: a model trained on a constructed set is tested on the original test set', async () => {
  // A dataset folder without test/ split, as construct writes (D_R, D_rand, …): real images.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  const set = path.join(root, 'D');
  const d = await loadDataset('fashion-mnist', { split: 'train', limit: 1000, seed: 0 });
  await writeDatasetFolder(set, d, { dtype: 'uint8' });
  const args = ['train', '--model', 'mlp', '--data', `npy:${set}`, '--epochs', '1', '--json'];
  const without = cli(...args, '--out', path.join(root, 'a'));
  assert.equal(without.status, 1);
  assert.match(without.stderr, /no test split/);
  const out = path.join(root, 'b');
  const t = cli(...args, '--test-data', 'fashion-mnist', '--test-limit', '200', '--out', out);
  assert.equal(t.status, 0, t.stderr);
  const trained = JSON.parse(t.stdout) as { standardAcc: number; n: number; testSet: string };
  assert.equal(trained.n, 200);
  assert.equal(trained.testSet, 'fashion-mnist');
  assert.ok(trained.standardAcc > 0.6, `accuracy ${trained.standardAcc}`);
  // eval's default test set is the one the model was trained with: the original one.
  const e = cli(
    'eval',
    '--checkpoint',
    out,
    '--eps',
    '0.5',
    '--steps',
    '2',
    '--limit',
    '50',
    '--json',
  );
  assert.equal(e.status, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { n: number }).n, 50);
});

test('bad input gets a clear error naming what is wrong, and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [
      ['train', '--model', 'resnet50', '--out', '/tmp/x'],
      new RegExp(`--model must be one of ${ARCHS.join(', ')}, got 'resnet50'`),
    ],
    [['train', '--model', 'mlp'], /--out DIR is required/],
    [
      ['train', '--out', '/tmp/x', '--epochs', 'ten'],
      /--epochs must be a whole number ≥ 1, got 'ten'/,
    ],
    [
      ['eval', '--checkpoint', '/nonexistent/ckpt', '--eps', '1'],
      /\/nonexistent\/ckpt\/manifest.json: missing/,
    ],
    [
      ['eval', '--checkpoint', '/tmp', '--eps', '1,x'],
      /--eps must be a comma-separated list of numbers/,
    ],
    [['info', '--backend', 'gpu'], /--backend must be one of auto, .*, got 'gpu'/],
    [['train', '--data', 'cifar10:/nonexistent', '--out', '/tmp/x'], /nonexistent/],
    [
      ['reproduce', '--out', '/tmp/x', '--seed', '1.5'],
      /--seed must be a whole number ≥ 0, got '1.5'/,
    ],
    [
      ['reproduce', '--out', '/tmp/x', '--model', 'alexnet'],
      new RegExp(`--model must be one of ${ARCHS.join(', ')}, got 'alexnet'`),
    ],
    [['bench', '--model', 'cnn', '--shape', '28x28'], /a shape is HxWxC.*got '28x28'/],
    [
      ['bench', '--model', 'cnn', '--workloads', 'fab'],
      /bench --workloads: 'fab' is not one of train, pgd, invert, advtrain, apgd-t, fab-t, square/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for a user error');
  }
});

test('a checkpoint whose weights do not match its model.json is refused, naming the file', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  assert.equal(
    cli(
      'train',
      '--model',
      'mlp',
      '--limit',
      '200',
      '--test-limit',
      '50',
      '--epochs',
      '1',
      '--out',
      out,
      '--json',
    ).status,
    0,
  );
  const w = path.join(out, 'weights.bin');
  fs.writeFileSync(w, fs.readFileSync(w).subarray(0, 1000));
  const r = cli('eval', '--checkpoint', out, '--eps', '1', '--limit', '10');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /weights\.bin: 1000 bytes, but .*model\.json describes \d+ bytes/);
});

test('bench --json prints one row per workload and backend with the documented keys (timings are not asserted)', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-bench-')), 'bench.json');
  const r = cli(
    'bench',
    '--model',
    'cnn',
    '--shape',
    '28x28x1',
    '--json',
    '--backends',
    'wasm',
    '--batch',
    '4',
    '--seconds',
    '0.1',
    '--rounds',
    '2',
    '--out',
    file,
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  // The whole run, with the machine and the benchmarked process's peak memory, goes to --out.
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    rows: unknown[];
    rounds: number;
    msPerStep: { workload: string; steps: number; torchSteps: number | null }[];
    perRound: { round: number; first: string; ratio: Record<string, number> }[];
    peakRssMiB: Record<string, number>;
    machine: { cores: number; cpu: string; torch: string };
    workloads: Record<string, string>;
  };
  assert.deepEqual(run.rows, rows);
  // Two windows per workload and side, each at least 2 timed steps, pooled.
  assert.equal(run.rounds, 2);
  for (const m of run.msPerStep)
    assert.ok(m.steps >= 4 && (m.torchSteps === null || m.torchSteps >= 4), JSON.stringify(m));
  // With PyTorch: each round's own ratios, the side that went first alternating.
  if (run.machine.torch !== 'not found') {
    assert.deepEqual(
      run.perRound.map((p) => [p.round, p.first]),
      [
        [1, 'ours'],
        [2, 'torch'],
      ],
    );
    for (const p of run.perRound)
      assert.deepEqual(Object.keys(p.ratio), ['train', 'pgd', 'invert', 'advtrain']);
  } else assert.deepEqual(run.perRound, []);
  // Each workload says what one of its steps is.
  assert.deepEqual(Object.keys(run.workloads), ['train', 'pgd', 'invert', 'advtrain']);
  assert.match(run.workloads.pgd!, /ε = 1\.5/);
  assert.ok(
    run.peakRssMiB.wasm !== undefined && run.peakRssMiB.wasm > 50,
    JSON.stringify(run.peakRssMiB),
  );
  assert.equal(run.machine.cores, os.cpus().length);
  assert.ok(run.machine.cpu.length > 0);
  assert.deepEqual(
    rows.map((x) => x.workload),
    ['train', 'pgd', 'invert', 'advtrain'],
  );
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), [
      'backend',
      'batch',
      'imagesPerSec',
      'model',
      'ratio',
      'shape',
      'torchImagesPerSec',
      'workload',
    ]);
    assert.equal(row.model, 'cnn');
    assert.equal(row.shape, '28x28x1');
    assert.match(String(row.backend), /^wasm/);
    assert.equal(row.batch, 4);
    assert.ok((row.imagesPerSec as number) > 0);
    // PyTorch is compared only where Debian's python3-torch is installed.
    // The ratio comes from the unrounded rates; each printed rate is rounded to ±0.05 image/s.
    if (row.torchImagesPerSec !== null) {
      const [ips, tips] = [row.imagesPerSec as number, row.torchImagesPerSec as number];
      const ratio = row.ratio as number;
      assert.ok(
        ratio >= (ips - 0.05) / (tips + 0.05) - 0.001 &&
          ratio <= (ips + 0.05) / Math.max(1e-9, tips - 0.05) + 0.001,
        JSON.stringify(row),
      );
    }
  }
});

test('gradients writes the gradient and class-drawing PNGs and the edge-alignment measure for both checkpoints', () => {
  const std = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  const rob = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  assert.equal(
    cli(
      'train',
      '--model',
      'mlp',
      '--limit',
      '300',
      '--test-limit',
      '50',
      '--epochs',
      '1',
      '--out',
      std,
      '--json',
    ).status,
    0,
  );
  assert.equal(
    cli(
      'train',
      '--model',
      'mlp',
      '--limit',
      '300',
      '--test-limit',
      '50',
      '--epochs',
      '1',
      '--adv',
      '--eps',
      '1.5',
      '--steps',
      '3',
      '--out',
      rob,
      '--json',
    ).status,
    0,
  );
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  const r = cli(
    'gradients',
    '--standard',
    std,
    '--robust',
    rob,
    '--out',
    out,
    '--n',
    '3',
    '--steps',
    '5',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  for (const f of [
    'gradients-standard.png',
    'gradients-robust.png',
    'targeted-standard.png',
    'targeted-robust.png',
  ])
    assert.ok(fs.statSync(path.join(out, f)).size > 100, f);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
    standard: { perImage: number[]; edgeAlignment: number };
    how: { images: number; targeted: { eps: number } };
  };
  assert.equal(m.standard.perImage.length, 3);
  assert.ok(m.standard.edgeAlignment >= -1 && m.standard.edgeAlignment <= 1);
  assert.equal(m.how.images, 3);
});

test('transfer trains each named architecture on D_rand and on D and writes Figure 3: table, scatter, correlations', () => {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  assert.equal(
    cli(
      'train',
      '--model',
      'mlp',
      '--limit',
      '300',
      '--test-limit',
      '50',
      '--epochs',
      '1',
      '--out',
      src,
      '--json',
    ).status,
    0,
  );
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-'));
  const r = cli(
    'transfer',
    '--source',
    src,
    '--out',
    out,
    '--archs',
    'mlp,vgg',
    '--epochs',
    '1',
    '--limit',
    '200',
    '--test-limit',
    '60',
    '--steps',
    '5',
    '--pool',
    '1',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const t = JSON.parse(fs.readFileSync(path.join(out, 'transfer.json'), 'utf8')) as {
    rows: { arch: string; testAcc: number; transferSuccess: number }[];
    correlation: number;
    how: Record<string, string>;
  };
  assert.deepEqual(
    t.rows.map((x) => x.arch),
    ['mlp', 'vgg'],
  );
  for (const row of t.rows)
    assert.ok(
      row.testAcc >= 0 && row.testAcc <= 1 && row.transferSuccess >= 0 && row.transferSuccess <= 1,
    );
  // Two points make no correlation (correlation.ts, MIN_CORRELATION_POINTS): NaN, written as null.
  assert.equal(t.correlation, null);
  // One standard model on D and one model on D_rand per architecture.
  for (const d of ['std_mlp', 'std_vgg', 'rand_mlp', 'rand_vgg'])
    assert.ok(fs.existsSync(path.join(out, d, 'model.json')), `${d} missing`);
  const { figure3 } = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
    figure3: {
      points: { arch: string; dRandAcc: number; standardAcc: number; untargetedTransfer: number }[];
      correlations: Record<string, Record<string, { resamples: number }>>;
    };
  };
  assert.deepEqual(
    figure3.points.map((p) => p.arch),
    ['mlp', 'vgg'],
  );
  // x and the standard model's accuracy are those `eval` measures on the same 60 test images.
  const evalAcc = (dir: string) => {
    const e = cli(
      'eval',
      '--checkpoint',
      path.join(out, dir),
      '--eps',
      '0.1',
      '--steps',
      '1',
      '--limit',
      '60',
      '--json',
    );
    assert.equal(e.status, 0, e.stderr);
    return (JSON.parse(e.stdout) as { standardAcc: number }).standardAcc;
  };
  const mlp = figure3.points[0]!;
  assert.equal(mlp.dRandAcc, evalAcc('rand_mlp'));
  assert.equal(mlp.standardAcc, evalAcc('std_mlp'));
  // The untargeted rate's denominator is the standard model's correct images among those 60.
  for (const p of figure3.points) {
    const fooled = p.untargetedTransfer * Math.round(p.standardAcc * 60);
    assert.ok(Math.abs(fooled - Math.round(fooled)) < 1e-9, JSON.stringify(p));
  }
  assert.deepEqual(Object.keys(figure3.correlations).sort(), ['targeted', 'untargeted']);
  assert.equal(figure3.correlations.untargeted!.spearman!.resamples, 0, 'no bootstrap of 2 points');
  // The Results panel shows the folder's Figure 3 as a scatter.
  assert.deepEqual(
    readResultsFolder(out).figure3?.points.map((p) => p.dRandAcc),
    figure3.points.map((p) => p.dRandAcc),
  );
  assert.match(
    fs.readFileSync(path.join(out, 'transfer.csv'), 'utf8'),
    /^arch,dRandAcc,standardAcc,untargetedTransfer,targetedTransfer\nmlp,/,
  );
  assert.match(
    fs.readFileSync(path.join(out, 'transfer.svg'), 'utf8'),
    /<svg[\s\S]*Pearson r = [-\d.—]+[\s\S]*>vgg</,
  );
});

test('reproduce --seed N runs every step with that seed and says so in results.md', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-seed-'));
  const r = cli('reproduce', '--profile', 'smoke', '--seed', '3', '--pool', '1', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(out, 'results.md'), 'utf8'), /seed 3;/);
  const trained = JSON.parse(
    fs.readFileSync(path.join(out, 'standard_D', 'train-config.json'), 'utf8'),
  ) as { seed: number };
  const built = JSON.parse(fs.readFileSync(path.join(out, 'D_robust', 'build.json'), 'utf8')) as {
    seed: number;
  };
  assert.deepEqual([trained.seed, built.seed], [3, 3]);
  // A pool of one is one core: every step ran on the main thread's wasm, single-threaded.
  assert.match(r.stderr, /backend: wasm \(SIMD on, 1 thread\(s\)/);
  assert.match(
    fs.readFileSync(path.join(out, 'results.md'), 'utf8'),
    /backend wasm \(SIMD on, 1 thread\(s\)/,
  );
});

test('reproduce --eval autoattack --pool 2: AutoAttack on the six models, beside PGD-20, recorded', () => {
  const { r, out } = smallSmokeRun('rfl-cli-repro-aa-', '--eval', 'autoattack', '--pool', '2');
  assert.equal(r.status, 0, r.stderr);
  type Evaluation = {
    label: string;
    n: number;
    robustAcc: number;
    backend: string;
    pgd: { steps: number; robustAcc: number };
    attacks: { name: string }[];
  };
  const aa = JSON.parse(fs.readFileSync(path.join(out, 'autoattack.json'), 'utf8')) as {
    threat: { norm: string; eps: number };
    byModel: Record<string, Evaluation>;
  };
  assert.deepEqual(Object.keys(aa.byModel).sort(), [
    'adversarial_D',
    'standard_D',
    'standard_DNR',
    'standard_DR',
    'standard_Ddet',
    'standard_Drand',
  ]);
  for (const [name, e] of Object.entries(aa.byModel)) {
    assert.equal(e.label, 'AutoAttack (standard)', name);
    assert.equal(e.n, 40, name);
    assert.deepEqual(
      e.attacks.map((a) => a.name),
      ['apgd-ce', 'apgd-t', 'fab-t', 'square'],
    );
    assert.ok(e.robustAcc <= e.pgd.robustAcc, `${name}: AutoAttack ≤ PGD-${e.pgd.steps}`);
    // The attacks ran on the run's pool, and the record says so.
    assert.match(e.backend, /the attacks' chunks on a pool of 2 threads/, name);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, name, 'metrics.json'), 'utf8')) as {
      evaluations: Record<string, Record<string, Record<string, Evaluation>>>;
    };
    const eps = String(aa.threat.eps);
    assert.deepEqual(metrics.evaluations[aa.threat.norm]?.[eps]?.['autoattack-standard'], e, name);
  }
  assert.match(r.stdout, /standard_DR\s+AutoAttack \(standard\) [\d.]+%\s+PGD-20 [\d.]+%/);
});

test('reproduce --train-limit / --test-limit size every step and say so in results.md and manifest.json', () => {
  const { r, out } = smallSmokeRun('rfl-cli-limits-', '--pool', '1');
  assert.equal(r.status, 0, r.stderr);
  const json = (f: string) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as unknown;
  const trained = json('standard_D/train-config.json') as { trainLimit: number; testLimit: number };
  assert.deepEqual([trained.trainLimit, trained.testLimit], [30, 40]);
  for (const kind of ['robust', 'nonrobust', 'rand', 'det']) {
    const header = fs.readFileSync(path.join(out, `D_${kind}`, 'labels.npy')).toString('latin1');
    assert.match(header, /'shape': \(30,\)/, `D_${kind} holds 30 images`);
  }
  const evaluated = json('adversarial_D/eval.json') as { result: { n: number } };
  assert.equal(evaluated.result.n, 40);
  const manifest = json('manifest.json') as { measuredHow: { robustAcc: { n: number } } };
  assert.equal(manifest.measuredHow.robustAcc.n, 40);
  const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
  assert.match(md, /30 training images/);
  assert.match(md, /on 40 test images/);

  // A later `eval` with more radii on one of the run's checkpoints shows in the Results panel's
  // accuracy–ε curve beside the reproduction's own point, which keeps the value Figure 2 shows.
  const std = path.join(out, 'standard_D');
  const ev = cli('eval', '--checkpoint', std, '--eps', '0.5,1.5', '--limit', '20', '--steps', '2');
  assert.equal(ev.status, 0, ev.stderr);
  const metrics = json('standard_D/metrics.json') as { robustAcc: { l2: Record<string, number> } };
  const own = json('standard_D/eval.json') as { result: { robustAcc: Record<string, number> } };
  const curve = readResultsFolder(out).checkpoints.find((c) => c.name === 'standard_D')?.curve;
  assert.deepEqual(
    curve?.map((p) => p.eps),
    [0, 0.5, 1.5],
  );
  assert.equal(curve?.[1]?.acc, metrics.robustAcc.l2['0.5']);
  assert.equal(curve?.[2]?.acc, own.result.robustAcc['1.5']);
});

test('--pool must be a whole number of cores: 0 and 1.5 are refused before anything is written', () => {
  for (const bad of ['0', '1.5']) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cli-pool-')), 'run');
    const r = cli('reproduce', '--profile', 'smoke', '--pool', bad, '--out', out);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      new RegExp(`--pool must be a whole number ≥ 1, got '${bad.replace('.', '\\.')}'`),
    );
    assert.equal(fs.existsSync(out), false);
  }
});
