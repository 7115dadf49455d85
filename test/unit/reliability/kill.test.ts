/**
 * Kill tests (issue 9): the CLI bundle is SIGKILLed at seeded random moments during training,
 * dataset construction and reproduction, then rerun until it finishes. The final artifacts must be
 * byte-identical to an uninterrupted run with the same seed, and no file may ever be half-written:
 * after every kill, each snapshot / chunk folder that exists must load whole.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeRng } from '../../../src/engine/formats/rng';
import { parseNpy } from '../../../src/engine/formats/npy';

const root = path.resolve(__dirname, '../../..');
const cliPath = path.join(root, 'dist/cli.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-kill-'));
const rng = makeRng(Number(process.env.RFL_KILL_SEED ?? 2026));
let killPoints = 0;

before(() => {
  const b = spawnSync(process.execPath, ['esbuild.mjs', '--only', 'cli'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(b.status, 0, b.stderr);
});

/** Runs to the end; returns its wall time in ms (kill moments are drawn relative to it). */
function runToEnd(args: string[]): number {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, r.stderr);
  return Date.now() - t0;
}

/** Runs once, SIGKILLs it after `ms` unless it ends first; true when it finished by itself. */
function runUntilKilled(args: string[], ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(false);
      else if (code === 0) resolve(true);
      else reject(new Error(`exit ${code}: ${err}`));
    });
  });
}

/**
 * Kills the command `kills` times at random moments, then lets it finish; checks `intact` after
 * each kill. Each run lives 0.3 s + U(0, 1)·T/(1.5·kills), T the uninterrupted run's wall time, so
 * all kills together cover at most ~2/3 of the work: the kills land before the job can finish,
 * on a fast machine as on a slow one, and each kill after start-up lands somewhere mid-work.
 */
async function killUntilDone(
  args: string[],
  kills: number,
  fullRunMs: number,
  intact: () => void,
): Promise<number> {
  let killed = 0;
  for (let attempt = 0; attempt < 60; attempt++) {
    const wait = killed < kills ? 300 + (rng.next() * fullRunMs) / (1.5 * kills) : 600_000;
    if (await runUntilKilled(args, wait)) return killed;
    killed++;
    killPoints++;
    intact();
  }
  throw new Error('did not finish after 60 attempts');
}

const same = (a: string, b: string) =>
  assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)), `${a} differs from ${b}`);

test('training killed at random points resumes to the same weights', async () => {
  const args = [
    'train',
    '--model',
    'mlp',
    '--limit',
    '1200',
    '--test-limit',
    '100',
    '--epochs',
    '6',
    '--batch',
    '32',
    '--seed',
    '5',
    '--resume',
  ];
  const ref = tmp();
  const T = runToEnd([...args, '--out', ref]);
  const out = tmp();
  const checkSnapshots = () => {
    const dir = path.join(out, 'epochs');
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir).filter((n) => /^\d{4}$/.test(n))) {
      const files = fs.readdirSync(path.join(dir, e)).sort();
      assert.deepEqual(
        files,
        ['model.json', 'optimizer.bin', 'state.json', 'weights.bin'],
        `snapshot ${e} is whole`,
      );
      JSON.parse(fs.readFileSync(path.join(dir, e, 'state.json'), 'utf8'));
    }
  };
  const killed = await killUntilDone([...args, '--out', out], 8, T, checkSnapshots);
  assert.equal(killed, 8);
  same(path.join(out, 'weights.bin'), path.join(ref, 'weights.bin'));
  const acc = (dir: string) =>
    (JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as { standardAcc: number })
      .standardAcc;
  assert.equal(acc(out), acc(ref));
});

test('dataset construction killed at random points resumes to the same bytes', async () => {
  const ckpt = tmp();
  runToEnd([
    'train',
    '--model',
    'mlp',
    '--limit',
    '500',
    '--test-limit',
    '100',
    '--epochs',
    '1',
    '--out',
    ckpt,
  ]);
  const args = [
    'construct',
    '--kind',
    'det',
    '--checkpoint',
    ckpt,
    '--limit',
    '600',
    '--chunk',
    '60',
    '--batch',
    '30',
    '--steps',
    '15',
    '--eps',
    '2',
    '--pool',
    '1',
  ];
  const ref = tmp();
  const T = runToEnd([...args, '--out', ref]);
  const out = tmp();
  const checkChunks = () => {
    const dir = path.join(out, 'chunks');
    if (!fs.existsSync(dir)) return;
    for (const c of fs.readdirSync(dir).filter((n) => /^\d{5}$/.test(n))) {
      const f = path.join(dir, c, 'images.npy');
      parseNpy(new Uint8Array(fs.readFileSync(f)), f); // throws on a truncated file
      JSON.parse(fs.readFileSync(path.join(dir, c, 'meta.json'), 'utf8'));
    }
  };
  const killed = await killUntilDone([...args, '--out', out], 8, T, checkChunks);
  assert.equal(killed, 8);
  same(path.join(out, 'images.npy'), path.join(ref, 'images.npy'));
  same(path.join(out, 'labels.npy'), path.join(ref, 'labels.npy'));
});

test('the reproduction pipeline killed at random points ends with the same results', async () => {
  const ref = tmp();
  const T = runToEnd(['reproduce', '--profile', 'smoke', '--pool', '1', '--json', '--out', ref]);
  const out = tmp();
  const killed = await killUntilDone(
    ['reproduce', '--profile', 'smoke', '--pool', '1', '--json', '--out', out],
    6,
    T,
    () => undefined,
  );
  assert.equal(killed, 6);
  same(path.join(out, 'results.json'), path.join(ref, 'results.json'));
  same(path.join(out, 'D_robust', 'images.npy'), path.join(ref, 'D_robust', 'images.npy'));
  same(
    path.join(out, 'standard_Ddet', 'weights.bin'),
    path.join(ref, 'standard_Ddet', 'weights.bin'),
  );
  console.log(`kill points survived: ${killPoints}`);
  assert.ok(killPoints >= 20, `at least 20 kill points in total (${killPoints})`);
});
