/**
 * A small fixture run for the panel tests, written with the engine's own writers
 * (writeDatasetFolder, the constructed-dataset manifest layout of construct/assemble.ts, the
 * reproduction folder layout of reproduce/): a source set, D_R, D_NR, D_rand, D_det, results.json
 * and checkpoint folders with history and evaluations. Also the expected values the test checks.
 * Usage: tsx test/vscode/e2e/fixture.ts OUT_DIR [BIG_ROWS]
 *   OUT/small/{source,run/...}  (24 rows)   OUT/big/{source,run/...}  (BIG_ROWS rows, default 10000)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDatasetFolder, writeDatasetFolder } from '../../../src/engine/formats/constructed';
import { loadDataset } from '../../../src/engine/formats/load';
import { makeRng } from '../../../src/engine/formats/rng';
import type { Dataset } from '../../../src/engine/types';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { inferenceFn, predictLabels } from '../../../src/engine/eval/accuracy';
import { loadCheckpoint } from '../../../src/engine/models/checkpoint';
import { trainOnDatasets } from '../../../src/engine/train/trainModel';
import { gradientReport } from '../../../src/engine/interpret/report';
import { inputGradients } from '../../../src/engine/interpret/gradients';

const CLASSES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const H = 28;
const W = 28;

function sourceSet(n: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const images = new Float32Array(n * H * W);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 10;
    labels[i] = y;
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        // Class y: a bright band at row 2y..2y+5 on a dim noisy background.
        const band = r >= 2 * y && r < 2 * y + 6 ? 0.8 : 0.1;
        images[(i * H + r) * W + c] = Math.min(1, Math.max(0, band + 0.1 * rng.next()));
      }
  }
  return {
    images,
    labels,
    shape: [n, H, W, 1],
    numClasses: 10,
    classNames: CLASSES,
    source: 'fixture',
  };
}

async function constructed(
  dir: string,
  kind: string,
  src: Dataset,
  spec: string,
  seed: number,
): Promise<void> {
  const n = src.shape[0];
  const rng = makeRng(seed + kind.length);
  const images = new Float32Array(src.images.length);
  const labels = Int32Array.from(src.labels);
  const perImage: Record<string, number[]> = {};
  const size = H * W;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < size; k++) {
      const x = src.images[i * size + k]!;
      // Deterministic, image-dependent perturbations, small for rand/det (an ε-ball), larger for D_R/D_NR.
      const amp = kind === 'rand' || kind === 'det' ? 0.05 : 0.3;
      images[i * size + k] = Math.min(1, Math.max(0, x + amp * (rng.next() - 0.5)));
    }
    if (kind === 'rand') labels[i] = (src.labels[i]! + 1 + (i % 9)) % 10;
    if (kind === 'det') labels[i] = (src.labels[i]! + 1) % 10;
  }
  if (kind === 'rand' || kind === 'det') {
    perImage.originalLabel = Array.from(src.labels);
    perImage.success = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    perImage.perturbationNorm = Array.from({ length: n }, () => 0.5);
  } else {
    perImage.startIndex = Array.from({ length: n }, (_, i) => (i + 1) % n);
    perImage.distance = Array.from({ length: n }, () => 1);
    perImage.startDistance = Array.from({ length: n }, () => 2);
  }
  await writeDatasetFolder(
    dir,
    {
      images,
      labels,
      shape: src.shape,
      numClasses: 10,
      classNames: CLASSES,
      source: `fixture ${kind}`,
    },
    {
      dtype: 'float32',
      manifest: {
        kind: 'constructed-dataset',
        construction: kind,
        config: { kind, checkpoint: 'fixture', data: spec, limit: n, seed },
        perImage,
      },
    },
  );
}

function checkpoint(
  dir: string,
  epochs: number,
  acc: number,
  robust: Record<string, number>,
): void {
  fs.mkdirSync(dir, { recursive: true });
  const history = Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    loss: 2 / (e + 1),
    accuracy: acc * (0.6 + (0.4 * (e + 1)) / epochs),
    testAccuracy: acc * (0.5 + (0.5 * (e + 1)) / epochs),
    lr: 0.001,
    seconds: 1,
    imagesPerSec: 100,
  }));
  fs.writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify(
      {
        kind: 'checkpoint',
        arch: 'mlp',
        inputShape: [H, W, 1],
        numClasses: 10,
        dataset: 'fixture',
        training: { epochs, history },
        seed: 0,
        backend: 'fixture',
        versions: {},
        epochsDone: epochs,
        timings: { trainSec: epochs },
        createdAt: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(
    path.join(dir, 'eval.json'),
    JSON.stringify(
      {
        settings: {},
        result: {
          standardAcc: acc,
          robustAcc: robust,
          attack: { norm: 'l2', steps: 5 },
          n: 100,
          seed: 0,
        },
      },
      null,
      2,
    ),
  );
}

/**
 * Real checkpoints, trained by the engine on the fixture's source set (an MLP, standard and L2
 * adversarial), in OUT/small/models/. The gallery test has the extension compute their predictions
 * through the worker; the expected values are what the engine predicts here, independently
 * (loadCheckpoint + predictLabels, softmax for the top-3), on every column's images.
 */
async function realCheckpoints(
  root: string,
  srcSpec: string,
  src: Dataset,
  runDir: string,
): Promise<Record<string, unknown>> {
  await initBackend('auto');
  const n = src.shape[0];
  const dirs = {
    standard: path.join(root, 'models', 'fixture-standard'),
    robust: path.join(root, 'models', 'fixture-robust'),
  };
  const base = {
    model: 'mlp' as const,
    data: srcSpec,
    epochs: 2,
    batchSize: 8,
    optimizer: 'adam' as const,
    lr: 1e-3,
    seed: 3,
  };
  await trainOnDatasets(base, src, src, dirs.standard);
  await trainOnDatasets(
    { ...base, adversarial: { norm: 'l2', eps: 1, steps: 3 } },
    src,
    src,
    dirs.robust,
  );
  const columns: [string, Dataset][] = [['source', src]];
  for (const kind of ['robust', 'nonrobust', 'rand', 'det'])
    columns.push([kind, await readDatasetFolder(path.join(runDir, `D_${kind}`))]);
  const out: Record<string, unknown> = {};
  for (const [role, dir] of Object.entries(dirs)) {
    const { model } = await loadCheckpoint(dir);
    const fn = inferenceFn(model);
    const top1: Record<string, number[]> = {};
    for (const [key, ds] of columns) top1[key] = Array.from(await predictLabels(fn, ds));
    // Rows where this checkpoint predicts another class on some constructed version than on the original.
    const flipped = Array.from({ length: n }, (_, i) => i).filter((i) =>
      columns.slice(1).some(([key]) => top1[key]![i] !== top1.source![i]),
    ).length;
    // Top-3 with probabilities of image 3, original and D_R (the diff test's pair).
    const top3 = (ds: Dataset, i: number) => {
      const p = tf.tidy(() =>
        tf
          .softmax(fn(tf.tensor4d(ds.images.subarray(i * H * W, (i + 1) * H * W), [1, H, W, 1])))
          .dataSync(),
      );
      return Array.from(p, (pr, label) => [label, pr] as [number, number])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3);
    };
    out[role] = {
      name: path.basename(dir),
      dir,
      top1,
      flipped,
      top3: { source3: top3(src, 3), robust3: top3(columns[1]![1], 3) },
    };
    model.dispose();
  }
  // A gradients run (paper §4) of the two checkpoints, by the engine's report (what the CLI and the worker run),
  // on a test split of the same kind of images (the gallery shows it; metrics.json is the truth).
  const testset = path.join(root, 'testset');
  await writeDatasetFolder(path.join(testset, 'train'), sourceSet(n, 11), { dtype: 'float32' });
  await writeDatasetFolder(path.join(testset, 'test'), sourceSet(10, 12), { dtype: 'float32' });
  const gradients = path.join(root, 'gradients');
  await gradientReport({
    standard: dirs.standard,
    robust: dirs.robust,
    out: gradients,
    data: `npy:${testset}`,
    n: 4,
    eps: 2,
    steps: 5,
    seed: 0,
  });
  // The engine's normalised gradient maps of the same 4 test images, as the bytes a PNG stores.
  const test = await loadDataset(`npy:${testset}`, { split: 'test', limit: 4, seed: 0 });
  const maps: Record<string, number[][]> = {};
  for (const [role, dir] of Object.entries(dirs)) {
    const { model } = await loadCheckpoint(dir);
    const g = await inputGradients(inferenceFn(model), test, [0, 1, 2, 3]);
    const byte = (v: number) => (v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0);
    maps[role] = [0, 1, 2, 3].map((i) =>
      Array.from(g.display.subarray(i * H * W, (i + 1) * H * W), byte),
    );
    model.dispose();
  }
  out.gradients = { dir: gradients, n: 4, numClasses: 10, maps };
  return out;
}

async function run(
  root: string,
  n: number,
  withResults: boolean,
): Promise<Record<string, unknown>> {
  const seed = 7;
  const srcDir = path.join(root, 'source');
  await writeDatasetFolder(srcDir, sourceSet(n, seed), { dtype: 'float32' });
  const spec = `npy:${srcDir}`;
  // What construct does: the i-th constructed image comes from the i-th image of this selection.
  const src = await loadDataset(spec, { split: 'train', limit: n, seed });
  const runDir = path.join(root, 'run');
  for (const kind of ['robust', 'nonrobust', 'rand', 'det'])
    await constructed(path.join(runDir, `D_${kind}`), kind, src, spec, seed);
  if (!withResults) return { rows: n };
  const results = {
    figure2: {
      standard_D: { standardAcc: 0.912, robustAcc: 0.031 },
      adversarial_D: { standardAcc: 0.853, robustAcc: 0.624 },
      standard_DR: { standardAcc: 0.784, robustAcc: 0.357 },
      standard_DNR: { standardAcc: 0.811, robustAcc: 0.012 },
    },
    table1: {
      D_rand: { testAcc: 0.633, attackSuccess: 0.947 },
      D_det: { testAcc: 0.402, attackSuccess: 0.881 },
    },
    threatModel: { norm: 'l2', eps: 1.5, steps: 20 },
  };
  fs.writeFileSync(path.join(runDir, 'results.json'), JSON.stringify(results, null, 2));
  checkpoint(path.join(runDir, 'standard_D'), 5, 0.912, { '0.5': 0.4, '1': 0.12, '1.5': 0.031 });
  checkpoint(path.join(runDir, 'adversarial_D'), 5, 0.853, { '0.5': 0.8, '1': 0.71, '1.5': 0.624 });
  checkpoint(path.join(runDir, 'standard_DR'), 3, 0.784, { '1.5': 0.357 });
  checkpoint(path.join(runDir, 'standard_DNR'), 3, 0.811, { '1.5': 0.012 });
  // Expected diff: original #3 vs D_R #3.
  const robust = await loadDataset(`npy:${path.join(runDir, 'D_robust')}`, { split: 'train' });
  const size = H * W;
  let s = 0;
  let m = 0;
  for (let k = 0; k < size; k++) {
    const d = robust.images[3 * size + k]! - src.images[3 * size + k]!;
    s += d * d;
    m = Math.max(m, Math.abs(d));
  }
  const models = await realCheckpoints(root, spec, src, runDir);
  return {
    rows: n,
    runDir,
    results,
    models,
    diff: { index: 3, l2: Math.sqrt(s), linf: m },
    trueLabels: Array.from(src.labels),
    detLabels: Array.from(src.labels, (l) => (l + 1) % 10),
    classNames: CLASSES,
  };
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? '.vscode-ci-panels/fixture');
  const big = Number(process.argv[3] ?? 10000);
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  const small = await run(path.join(out, 'small'), 24, true);
  const large = big > 0 ? await run(path.join(out, 'big'), big, false) : undefined;
  fs.writeFileSync(path.join(out, 'expected.json'), JSON.stringify({ small, big: large }, null, 2));
  console.log(`fixture: ${out} (24 + ${big} rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

void main();
