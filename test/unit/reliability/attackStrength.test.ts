/**
 * Numbers the user can trust (issue 9 part 5). On a small model trained here on real
 * Fashion-MNIST (Debian's /usr/share/datasets/fashion-mnist), with a fixed seed:
 *   - L2 PGD robust accuracy does not rise when the attack gets more steps (the README's rule,
 *     step size 2.5·ε/steps) or more random restarts: a stronger attack never does worse;
 *   - a model with shattered gradients (a tiny high-frequency input transformation, Athalye et
 *     al. 2018 §4.1) breaks that, and checkAttackStrength says so with a gradient-masking warning,
 *     while the plain model gets none;
 *   - the CLI's `eval --steps-check` prints the comparison and writes it into metrics.json.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fashionCheckpoint } from '../../helpers/fashionCheckpoint';
import type { LogitsFn } from '../../../src/engine/eval/accuracy';
import {
  checkAttackStrength,
  evaluateRobustness,
  maskingWarnings,
  type RobustEvalOptions,
} from '../../../src/engine/eval/robust';
import type { Dataset } from '../../../src/engine/types';

const root = path.resolve(__dirname, '../../..');
const EPS = [0.25, 0.5, 1];
const base: RobustEvalOptions = {
  norm: 'l2',
  eps: EPS,
  steps: 10,
  restarts: 0,
  randomStart: false,
  seed: 5,
  batchSize: 200,
};
let ckptDir = '';
let fn: LogitsFn;
let testSet: Dataset;
let standardAcc = 0;

before(async () => {
  ({
    dir: ckptDir,
    testSet,
    fn,
  } = await fashionCheckpoint({
    prefix: 'rfl-strength-',
    trainLimit: 2000,
    testLimit: 200,
    config: { model: 'mlp', epochs: 2, batchSize: 64, optimizer: 'adam', lr: 1e-3, seed: 3 },
  }));
  standardAcc = (await evaluateRobustness(fn, testSet, { ...base, eps: [] })).standardAcc;
});

/** Asserts, per ε, that accuracies listed from weaker to stronger attack never go up. */
function assertNonIncreasing(byStrength: [string, Record<string, number>][]): void {
  for (const e of EPS.map(String)) {
    for (let i = 1; i < byStrength.length; i++) {
      const [weaker, a] = byStrength[i - 1]!;
      const [stronger, b] = byStrength[i]!;
      assert.ok(b[e]! <= a[e]!, `ε=${e}: ${stronger} gives ${b[e]}, more than ${weaker} (${a[e]})`);
    }
  }
}

test('robust accuracy does not rise with more PGD steps (fixed model, images and seed)', async () => {
  assert.ok(standardAcc > 0.6, `the model learned something (${standardAcc})`);
  const check = await checkAttackStrength(fn, testSet, base, [1, 3, 10, 30]);
  const rows = check.steps.map(
    (k) => [`PGD-${k}`, check.robustAcc[String(k)]!] as [string, Record<string, number>],
  );
  console.log(
    `standard ${standardAcc}; ${rows.map(([k, r]) => `${k} ${JSON.stringify(r)}`).join('; ')}`,
  );
  assertNonIncreasing(rows);
  // The attack bites: at the largest ε the strongest attack is well below standard accuracy.
  assert.ok(check.robustAcc['30']!['1']! < standardAcc - 0.1);
  assert.deepEqual(check.warnings, [], 'no gradient-masking warning for a plain model');
});

test('robust accuracy does not rise with more random restarts', async () => {
  // Restart r uses seed + r whatever the total, and a success is never given back, so the runs of
  // 2 restarts are the runs of 1 plus one more: non-increasing by construction, checked here.
  const rows: [string, Record<string, number>][] = [];
  for (const restarts of [1, 2, 4]) {
    const r = await evaluateRobustness(fn, testSet, { ...base, restarts, randomStart: true });
    rows.push([`${restarts} restarts`, r.robustAcc]);
  }
  assertNonIncreasing(rows);
});

test('shattered gradients: robust accuracy rises with steps, and the check warns of gradient masking', async () => {
  // x + 0.01·sin(3000·x): imperceptible (≤ 0.01 per pixel), so clean accuracy barely moves, but
  // the input gradient is multiplied by 1 + 30·cos(3000·x), a sign pattern that flips every
  // 0.002 of a pixel: small PGD steps follow noise. Robust accuracy computed with it is inflated.
  const shattered: LogitsFn = (x) =>
    tf.tidy(() => fn(tf.add<tf.Tensor4D>(x, tf.mul(0.01, tf.sin(tf.mul(3000, x))))));
  const check = await checkAttackStrength(shattered, testSet, base, [1, 5, 20]);
  console.log(`shattered: ${JSON.stringify(check.robustAcc)}`);
  assert.ok(check.warnings.length > 0, `expected a warning: ${JSON.stringify(check.robustAcc)}`);
  for (const w of check.warnings)
    assert.match(
      w,
      /^possible gradient masking at ε=[\d.]+: robust accuracy is [\d.]+% under PGD-\d+ but [\d.]+% under PGD-\d+; a stronger attack should not do worse/,
    );
  // Each warning states a real inversion found in the measured numbers.
  for (const w of check.warnings) {
    const [, eps, more, kMore, fewer, kFewer] =
      /ε=([\d.]+): robust accuracy is ([\d.]+)% under PGD-(\d+) but ([\d.]+)% under PGD-(\d+)/.exec(
        w,
      )!;
    assert.ok(Number(kMore) > Number(kFewer) && Number(more) > Number(fewer));
    assert.equal((100 * check.robustAcc[kMore!]![eps!]!).toFixed(1), more);
  }
});

test('maskingWarnings ignores a difference of one example (noise between two runs)', () => {
  assert.deepEqual(maskingWarnings({ '5': { '1': 0.5 }, '20': { '1': 0.505 } }, 200), []);
  assert.equal(maskingWarnings({ '5': { '1': 0.5 }, '20': { '1': 0.515 } }, 200).length, 1);
});

test('eval --steps-check: the comparison is printed and written into metrics.json', () => {
  // The CLI from source (tsx): dist/cli.js is the lead's build and is not rebuilt by tests here.
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/main.ts'),
      'eval',
      '--checkpoint',
      ckptDir,
      '--eps',
      '0.5,1',
      '--steps',
      '10',
      '--steps-check',
      '1,3',
      '--limit',
      '100',
      '--seed',
      '5',
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, RFL_WASM_THREADS: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /attack strength check \(more steps never did worse\):/);
  assert.match(r.stdout, /PGD-1 +ε=0\.5 [\d.]+% +ε=1 [\d.]+%\n +PGD-3 .*\n +PGD-10 /);
  const metrics = JSON.parse(fs.readFileSync(path.join(ckptDir, 'metrics.json'), 'utf8')) as {
    attack: {
      l2: {
        stepsCheck: {
          steps: number[];
          robustAcc: Record<string, Record<string, number>>;
          warnings: string[];
        };
      };
    };
    robustAcc: { l2: Record<string, number> };
  };
  const sc = metrics.attack.l2.stepsCheck;
  assert.deepEqual(sc.steps, [1, 3, 10]);
  assert.deepEqual(sc.warnings, []);
  // The main evaluation (PGD-10) is the one in robustAcc, and the check reused it.
  assert.equal(sc.robustAcc['10']!['1'], metrics.robustAcc.l2['1']);
  const bad = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/cli/main.ts'),
      'eval',
      '--checkpoint',
      ckptDir,
      '--eps',
      '1',
      '--steps-check',
      '0,5',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--steps-check must list positive integers, got '0,5'/);
});
