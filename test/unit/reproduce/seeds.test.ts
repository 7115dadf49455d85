/** reproduce --seeds: one run per seed, every cell as mean ± sd, in results.json, results.md and the panel's data. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { profileFor, type ReproduceProfile } from '../../../src/engine/formats/profiles';
import {
  cellStats,
  parseSeeds,
  reproduceSeeds,
  type SeedsResults,
} from '../../../src/engine/reproduce/seeds';
import { gapClosed, type ReproduceResults } from '../../../src/engine/reproduce/report';
import { readResultsFolder } from '../../../src/extension/panels/resultsData';

before(async () => {
  await initBackend('wasm');
});

test('cellStats: mean and sample standard deviation (n − 1); parseSeeds refuses what is not a list of seeds', () => {
  const c = cellStats([0.5, 0.7, 0.9]);
  assert.ok(Math.abs(c.mean - 0.7) < 1e-12 && Math.abs(c.std - 0.2) < 1e-12, JSON.stringify(c));
  assert.equal(cellStats([0.4]).std, 0);
  assert.deepEqual(parseSeeds('0, 1,2'), [0, 1, 2]);
  for (const bad of ['', '0,,1', '1.5', '-1', 'a', '1,1'])
    assert.throws(() => parseSeeds(bad), /--seeds/, bad);
});

test('reproduce --seeds 0,1 (L∞): per-seed folders, means in the old fields, sd in aggregate, ± in results.md and the panel', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-seeds-'));
  const smoke = profileFor('smoke', 'fashion-mnist', 'linf');
  const profile: ReproduceProfile = { ...smoke, trainLimit: 150, testLimit: 40, epochs: 1 };
  const r = await reproduceSeeds({ profile, data: 'fashion-mnist', out }, [0, 1]);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as SeedsResults;
  assert.deepEqual(json, JSON.parse(JSON.stringify(r)));
  assert.deepEqual(json.threatModel, { norm: 'linf', eps: 0.1, steps: 5 });
  assert.deepEqual(json.seeds, [0, 1]);
  const runs = [0, 1].map(
    (s) =>
      JSON.parse(
        fs.readFileSync(path.join(out, `seed-${s}`, 'results.json'), 'utf8'),
      ) as ReproduceResults,
  );
  // The two seeds are different runs (other subsets, initialisations, targets).
  assert.notDeepEqual(runs[0], runs[1]);
  for (const k of Object.keys(json.figure2) as (keyof ReproduceResults['figure2'])[])
    for (const f of ['standardAcc', 'robustAcc'] as const) {
      const v = runs.map((x) => x.figure2[k][f]);
      const cell = json.aggregate.figure2[k][f];
      assert.deepEqual(cell.values, v);
      assert.ok(Math.abs(json.figure2[k][f] - (v[0]! + v[1]!) / 2) < 1e-12);
      // Two values: the sample sd is |a − b| / √2.
      assert.ok(Math.abs(cell.std - Math.abs(v[0]! - v[1]!) / Math.SQRT2) < 1e-12);
    }
  // The gap D_R closes, per seed and from the mean bars (JSON: NaN, where adversarial training
  // added nothing at this tiny scale, is null).
  const asJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
  assert.deepEqual(json.aggregate.gapClosed.values, asJson(runs.map((x) => gapClosed(x.figure2))));
  assert.deepEqual(json.aggregate.gapClosed.fromMeans, asJson(gapClosed(json.figure2)));
  assert.deepEqual(
    json.perSeed.map((s) => s.seed),
    [0, 1],
  );
  assert.deepEqual(json.perSeed[1]!.table1, runs[1]!.table1);
  const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
  assert.match(md, /seeds 0, 1: every cell is mean ± sample standard deviation over 2 runs/);
  assert.match(
    md,
    /\| D_R \(standard training\) \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| 84 \| 48 \|/,
  );
  assert.match(md, /\| D_det \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| 43\.7 \|/);
  assert.match(md, /L∞ PGD-5, ε = 0\.1/);
  assert.match(md, /D_R closes .+ % \(per seed .+, .+ %; .+ % from the mean bars\) of the gap/);
  const panel = readResultsFolder(out);
  assert.deepEqual(panel.results?.figure2, json.figure2);
  assert.deepEqual(panel.results?.spread?.seeds, [0, 1]);
  assert.equal(
    panel.results?.spread?.table1.D_rand.testAcc,
    json.aggregate.table1.D_rand.testAcc.std,
  );
  assert.ok(panel.checkpoints.some((c) => c.name === 'seed-1/standard_DR'));
  // A rerun reuses every finished step of every seed and gives the same numbers.
  assert.deepEqual(
    (await reproduceSeeds({ profile, data: 'fashion-mnist', out }, [0, 1])).aggregate,
    r.aggregate,
  );
});

test('gapClosed: (D_R − D) / (adversarial − D) in robust accuracy, NaN without a gap', () => {
  const bars = (d: number, adv: number, dr: number): ReproduceResults['figure2'] => ({
    standard_D: { standardAcc: 0.85, robustAcc: d },
    adversarial_D: { standardAcc: 0.72, robustAcc: adv },
    standard_DR: { standardAcc: 0.77, robustAcc: dr },
    standard_DNR: { standardAcc: 0.8, robustAcc: 0.1 },
  });
  // The paper's CIFAR-10 bars: D ≈ 0, adversarial ≈ 82, D_R 48.
  assert.ok(Math.abs(gapClosed(bars(0, 0.82, 0.48)) - 48 / 82) < 1e-12);
  assert.ok(Math.abs(gapClosed(bars(0.216, 0.559, 0.366)) - 0.15 / 0.343) < 1e-12);
  assert.ok(Number.isNaN(gapClosed(bars(0.3, 0.3, 0.4))));
});
