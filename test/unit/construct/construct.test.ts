/**
 * The paper's constructed datasets on tasks where one feature is robust and one is not by
 * construction (test/helpers/synthetic.ts): D_R keeps the robust feature's correlation with the
 * label and drops the non-robust one's; D_NR the reverse; relabelling assigns its targets;
 * sharded builds equal whole builds; a build stopped mid-chunk resumes without losing chunks.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { trainOnDatasets } from '../../../src/engine/train/trainModel';
import { writeDatasetFolder, readDatasetFolder } from '../../../src/engine/formats/constructed';
import { loadDataset } from '../../../src/engine/formats/load';
import { buildConstructed } from '../../../src/engine/construct/build';
import { mergeShards } from '../../../src/engine/construct/merge';
import { constructDefaults, type ConstructConfig } from '../../../src/engine/construct/config';
import type { Dataset } from '../../../src/engine/types';
import { robustNonRobustTask, featureCorrelation, type TaskOptions } from '../../helpers/synthetic';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-construct-'));
/** Set by the D_NR test (its task and standard model serve the relabelling tests). */
let data: string;
let standardCkpt: string;

before(async () => {
  await initBackend('wasm');
});

/** A synthetic task on disk, with a standard and an adversarially trained mlp for it. */
async function setup(o: TaskOptions, train: { weightDecay: number; eps: number; epochs: number }) {
  const ds = robustNonRobustTask(512, 21, o);
  const dir = tmp();
  await writeDatasetFolder(dir, ds, { dtype: 'float32' });
  const spec = `npy:${dir}`;
  const cfg = {
    model: 'mlp' as const,
    data: spec,
    epochs: train.epochs,
    batchSize: 32,
    optimizer: 'adam' as const,
    lr: 3e-3,
    seed: 1,
    weightDecay: train.weightDecay,
  };
  const standard = await trainOnDatasets(cfg, ds, ds, tmp());
  const robust = await trainOnDatasets(
    { ...cfg, adversarial: { norm: 'l2', eps: train.eps, steps: 7 } },
    ds,
    ds,
    tmp(),
  );
  return { data: spec, standard: standard.checkpointDir, robust: robust.checkpointDir };
}

const cfgFor = (
  kind: ConstructConfig['kind'],
  checkpoint: string,
  spec: string,
  steps: number,
): ConstructConfig => ({
  ...constructDefaults(kind),
  kind,
  checkpoint,
  data: spec,
  limit: 256,
  seed: 3,
  steps,
  chunkSize: 64,
  batchSize: 64,
});

/** Correlations of both features with the label, as fractions of the source dataset's. */
async function kept(dir: string, source: Dataset, robustPixels: number) {
  const d = await readDatasetFolder(dir);
  const ratio = (f: 'robust' | 'nonRobust') =>
    featureCorrelation(d, f, robustPixels) / featureCorrelation(source, f, robustPixels);
  return { robust: ratio('robust'), nonRobust: ratio('nonRobust') };
}

/*
 * Why two tasks. Inversion matches whatever g encodes, and the representation of a small mlp
 * encodes more than its logits use (g is 128-d; a 2-class head reads a 1-d projection of it).
 * - Where the non-robust feature spreads thinly over many pixels (28×28, 700 pixels at ±0.02),
 *   the robust model's g is nearly blind to it and matching g moves the image along the robust
 *   pixels: D_R keeps the robust feature and not the non-robust one.
 * - Where both features are a few pixels and weight decay prunes what each model does not use
 *   (6×6), the standard model's g is nearly blind to the robust feature, which D_NR then drops.
 * On each task the other constructed set carries both features (measured while writing this).
 */
test('D_R keeps the robust feature and drops the non-robust one (28×28 task)', async () => {
  const o: TaskOptions = {
    h: 28,
    w: 28,
    robustPixels: 84,
    robustAmp: 0.3,
    nonRobustAmp: 0.02,
    robustAgreement: 0.8,
  };
  const t = await setup(o, { weightDecay: 0, eps: 1, epochs: 10 });
  const source = await loadDataset(t.data, { split: 'train', limit: 256, seed: 3 });
  const out = tmp();
  const s = await buildConstructed(cfgFor('robust', t.robust, t.data, 50), out);
  assert.ok(s.complete);
  const k = await kept(out, source, 84);
  assert.ok(k.robust > 0.7, `D_R keeps the robust feature: ${JSON.stringify(k)}`);
  assert.ok(Math.abs(k.nonRobust) < 0.3, `D_R drops the non-robust feature: ${JSON.stringify(k)}`);
  assert.ok(
    s.meanDistance! < 0.3 * s.meanStartDistance!,
    `inversion converged: ${s.meanDistance} from ${s.meanStartDistance}`,
  );
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
    perImage: { distance: number[]; startIndex: number[] };
    backend: string;
  };
  assert.equal(manifest.perImage.distance.length, 256);
  assert.ok(
    manifest.perImage.startIndex.every((j, i) => j !== i),
    'every x_r starts from another image',
  );
  assert.match(manifest.backend, /^wasm/);
  assert.ok(fs.existsSync(path.join(out, 'preview.png')));
});

test('D_NR keeps the non-robust feature and drops the robust one (6×6 task)', async () => {
  const o: TaskOptions = {
    h: 6,
    w: 6,
    robustPixels: 8,
    robustAmp: 0.35,
    nonRobustAmp: 0.08,
    robustAgreement: 0.8,
  };
  const t = await setup(o, { weightDecay: 0.03, eps: 0.7, epochs: 20 });
  const source = await loadDataset(t.data, { split: 'train', limit: 256, seed: 3 });
  const out = tmp();
  assert.ok((await buildConstructed(cfgFor('nonrobust', t.standard, t.data, 20), out)).complete);
  const k = await kept(out, source, 8);
  assert.ok(k.nonRobust > 0.7, `D_NR keeps the non-robust feature: ${JSON.stringify(k)}`);
  assert.ok(Math.abs(k.robust) < 0.3, `D_NR drops the robust feature: ${JSON.stringify(k)}`);
  standardCkpt = t.standard;
  data = t.data;
});

test('D_det and D_rand: labels are the targets they say, with the attack success recorded', async () => {
  for (const kind of ['det', 'rand'] as const) {
    const out = tmp();
    const s = await buildConstructed({ ...cfgFor(kind, standardCkpt, data, 40), eps: 1 }, out);
    assert.ok(s.complete);
    const ds = await readDatasetFolder(out);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      perImage: { originalLabel: number[]; success: number[] };
    };
    m.perImage.originalLabel.forEach((y, i) => {
      if (kind === 'det') assert.equal(ds.labels[i], (y + 1) % 2);
    });
    if (kind === 'rand') {
      const moved = m.perImage.originalLabel.filter((y, i) => ds.labels[i] !== y).length / 256;
      assert.ok(
        moved > 0.3 && moved < 0.7,
        `about half the random targets differ from y (${moved})`,
      );
    }
    assert.ok(
      s.attackSuccess! > 0.9,
      `${kind}: the targeted attack reaches its target (${s.attackSuccess})`,
    );
    assert.equal(m.perImage.success.reduce((a, b) => a + b, 0) / 256, s.attackSuccess);
  }
});

test('shards merged and a pool of threads equal the whole build, and a killed build resumes without losing chunks', async () => {
  // Two batches a chunk, so that the abort below lands in the middle of chunk 2.
  const cfg = { ...cfgFor('det', standardCkpt, data, 10), eps: 1, batchSize: 32 };
  const whole = tmp();
  await buildConstructed(cfg, whole);
  const shards = [tmp(), tmp(), tmp()];
  for (let i = 0; i < 3; i++) {
    const r = await buildConstructed(cfg, shards[i]!, { shard: { index: i, count: 3 } });
    assert.equal(r.complete, false);
  }
  const merged = tmp();
  await mergeShards(shards, merged);
  const pooled = tmp();
  await buildConstructed(cfg, pooled, { poolSize: 2 });
  assert.deepEqual(
    fs.readFileSync(path.join(pooled, 'images.npy')),
    fs.readFileSync(path.join(whole, 'images.npy')),
    'a pool of two threads builds the same bytes',
  );
  assert.deepEqual(
    fs.readFileSync(path.join(merged, 'images.npy')),
    fs.readFileSync(path.join(whole, 'images.npy')),
  );
  assert.deepEqual(
    fs.readFileSync(path.join(merged, 'labels.npy')),
    fs.readFileSync(path.join(whole, 'labels.npy')),
  );
  // Abort half-way through chunk 2; the rerun keeps chunks 0 and 1 and redoes only the rest.
  const resumed = tmp();
  const ac = new AbortController();
  await assert.rejects(
    buildConstructed(cfg, resumed, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.step === 3) ac.abort();
      },
    }),
    /cancelled/,
  );
  assert.deepEqual(fs.readdirSync(path.join(resumed, 'chunks')).sort(), ['00000', '00001']);
  const logs: string[] = [];
  await buildConstructed(cfg, resumed, { log: (l) => logs.push(l) });
  assert.ok(
    logs.some((l) => /resuming: 2 of 4 chunks already built/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual(
    fs.readFileSync(path.join(resumed, 'images.npy')),
    fs.readFileSync(path.join(whole, 'images.npy')),
  );
  await assert.rejects(
    buildConstructed({ ...cfg, steps: 11 }, resumed),
    /build.json: this folder holds a build with other settings \(steps differ\)/,
  );
});
