/** The reproduction pipeline end to end on a tiny profile of real Fashion-MNIST. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { reproduce } from '../../../src/engine/reproduce/pipeline';
import { profileFor, type ReproduceProfile } from '../../../src/engine/formats/profiles';

before(async () => {
  await initBackend('wasm');
});

const tiny: ReproduceProfile = profileFor('smoke', 'fashion-mnist');
/** The single-thread run of the first test, which the pooled run must equal. */
let singleThreadOut = '';

test('reproduce writes results.json with exactly the documented keys, results.md and a manifest; a rerun skips finished steps', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-repro-'));
  singleThreadOut = out;
  const logs: string[] = [];
  const r = await reproduce(
    { profile: tiny, data: 'fashion-mnist', out },
    { log: (l) => logs.push(l) },
  );
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as typeof r;
  assert.deepEqual(Object.keys(json).sort(), ['figure2', 'table1', 'threatModel']);
  assert.deepEqual(Object.keys(json.figure2).sort(), [
    'adversarial_D',
    'standard_D',
    'standard_DNR',
    'standard_DR',
  ]);
  assert.deepEqual(Object.keys(json.table1).sort(), ['D_det', 'D_rand']);
  assert.deepEqual(json.threatModel, { norm: 'l2', eps: 1.5, steps: 5 });
  for (const v of Object.values(json.figure2)) {
    assert.deepEqual(Object.keys(v).sort(), ['robustAcc', 'standardAcc']);
    assert.ok(
      v.standardAcc >= 0 && v.standardAcc <= 1 && v.robustAcc >= 0 && v.robustAcc <= v.standardAcc,
    );
  }
  for (const v of Object.values(json.table1))
    assert.ok(v.testAcc >= 0 && v.testAcc <= 1 && v.attackSuccess >= 0 && v.attackSuccess <= 1);
  assert.ok(
    json.figure2.standard_D.standardAcc > 0.5,
    'even 300 images and 2 epochs learn something',
  );
  const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
  assert.match(md, /\| D_R \(standard training\) \| [\d.]+ \| [\d.]+ \| 84 \| 48 \|/);
  assert.match(md, /\| D_det \| [\d.]+ \| [\d.]+ \| 43\.7 \|/);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
    measuredHow: { robustAcc: { attack: { steps: number }; n: number } };
    timings: { step: string }[];
    backend: string;
  };
  assert.equal(manifest.measuredHow.robustAcc.n, 100);
  assert.equal(manifest.measuredHow.robustAcc.attack.steps, 5);
  assert.equal(manifest.timings.length, 16);
  assert.match(manifest.backend, /^wasm/);
  // Models trained on constructed sets are tested on the original test set.
  const cfg = JSON.parse(
    fs.readFileSync(path.join(out, 'standard_DR', 'train-config.json'), 'utf8'),
  ) as { data: string; testData: string };
  assert.match(cfg.data, /^npy:.*D_robust$/);
  assert.equal(cfg.testData, 'fashion-mnist');
  const stamps = () =>
    ['standard_D/weights.bin', 'D_robust/images.npy', 'standard_Ddet/eval.json'].map(
      (f) => fs.statSync(path.join(out, f)).mtimeMs,
    );
  const before = stamps();
  const again = await reproduce({ profile: tiny, data: 'fashion-mnist', out });
  assert.deepEqual(again, r);
  assert.deepEqual(stamps(), before, 'the rerun rewrote no finished artifact');
});

test('with a pool of two threads the task graph gives the same datasets, weights and results as one thread', async () => {
  assert.ok(singleThreadOut, 'runs after the single-thread test');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-repro-pool-'));
  const logs: string[] = [];
  const r = await reproduce(
    { profile: tiny, data: 'fashion-mnist', out, poolSize: 2 },
    { log: (l) => logs.push(l) },
  );
  const one = JSON.parse(
    fs.readFileSync(path.join(singleThreadOut, 'results.json'), 'utf8'),
  ) as unknown;
  assert.deepEqual(r, one);
  for (const f of [
    'D_robust/images.npy',
    'D_nonrobust/images.npy',
    'D_rand/labels.npy',
    'D_det/images.npy',
    'adversarial_D/weights.bin',
    'standard_DR/weights.bin',
    'standard_Ddet/weights.bin',
  ]) {
    assert.ok(
      fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(singleThreadOut, f))),
      `${f} differs between pool sizes`,
    );
  }
  // The two trainings on D ran side by side, and every chunk of D_R was a task of its own.
  assert.ok(
    logs.some((l) =>
      /^start adversarial_D \(beside standard_D\)|^start standard_D \(beside adversarial_D\)/.test(
        l,
      ),
    ),
    logs.join('\n'),
  );
  const chunks = Math.ceil(tiny.trainLimit! / 500);
  assert.equal(logs.filter((l) => l.startsWith('start D_robust#')).length, chunks);
  const timings = JSON.parse(fs.readFileSync(path.join(out, 'timings.json'), 'utf8')) as {
    step: string;
    seconds: number;
    threadSeconds: number;
    poolSize: number;
  }[];
  assert.equal(timings.length, 16);
  assert.ok(timings.every((t) => t.poolSize === 2 && t.threadSeconds >= 0));
  assert.match(fs.readFileSync(path.join(out, 'results.md'), 'utf8'), /pool of 2/);
});
