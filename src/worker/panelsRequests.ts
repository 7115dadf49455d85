/**
 * The worker's one request for the panels: top-3 predictions of a checkpoint on a dataset folder
 * (or on a constructed set's source images), written to <folder>/predictions/<name>[.source].json
 * (src/shared/panelsPredictions.ts), which the extension host reads without tensors.
 * Registered in src/worker/main.ts by `registerPanelsRequests(connection)`.
 */
import { assertCheckpointFits } from '../engine/models/fits';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { MessageConnection } from 'vscode-jsonrpc';
import { readDatasetFolder, readDatasetManifest } from '../engine/formats/constructed';
import { loadDataset } from '../engine/formats/load';
import { writeFileAtomic } from '../engine/formats/atomic';
import { loadCheckpoint } from '../engine/models/checkpoint';
import { inferenceFn } from '../engine/eval/accuracy';
import type { Dataset } from '../engine/types';
import {
  PredictRequest,
  predictionsPath,
  type PredictParams,
  type PredictResult,
  type PredictionsFile,
} from '../shared/panelsPredictions';

async function datasetOf(folder: string, source: boolean): Promise<Dataset> {
  if (!source) return readDatasetFolder(folder);
  const m = readDatasetManifest(folder) as unknown as
    { config?: { data?: string; limit?: number; seed?: number } } | undefined;
  const c = m?.config;
  if (!c?.data)
    throw new Error(`${folder}: manifest.json has no config.data (source dataset unknown)`);
  return loadDataset(c.data, {
    split: 'train',
    ...(c.limit !== undefined ? { limit: c.limit } : {}),
    seed: c.seed ?? 0,
  });
}

export async function predictToFile(p: PredictParams, batchSize = 256): Promise<PredictResult> {
  const t0 = Date.now();
  const source = !!p.source;
  const ds = await datasetOf(p.folder, source);
  const { model, manifest } = await loadCheckpoint(p.checkpoint);
  try {
    assertCheckpointFits(p.checkpoint, manifest, ds);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const fn = inferenceFn(model);
  const [n, h, w, c] = ds.shape;
  const size = h * w * c;
  const top3: [number, number][][] = [];
  try {
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize);
      const probs = tf.tidy(() =>
        tf.softmax(fn(tf.tensor4d(ds.images.subarray(s * size, e * size), [e - s, h, w, c]))),
      );
      const data = (await probs.data()) as Float32Array;
      const k = probs.shape[1];
      probs.dispose();
      for (let i = 0; i < e - s; i++) {
        const row = Array.from(
          data.subarray(i * k, (i + 1) * k),
          (pr, label) => [label, pr] as [number, number],
        );
        row.sort((a, b) => b[1] - a[1]);
        top3.push(
          row.slice(0, 3).map(([l, pr]) => [l, Math.round(pr * 1e4) / 1e4] as [number, number]),
        );
      }
    }
  } finally {
    model.dispose();
  }
  const name = path.basename(path.resolve(p.checkpoint));
  const file = predictionsPath(p.folder, name, source);
  const out: PredictionsFile = {
    kind: 'predictions',
    checkpoint: path.resolve(p.checkpoint),
    name,
    dataset: path.resolve(p.folder),
    source,
    n,
    top3,
    createdAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(out));
  return { file, n, seconds: (Date.now() - t0) / 1000 };
}

export function registerPanelsRequests(connection: MessageConnection): void {
  connection.onRequest(PredictRequest, (params) => predictToFile(params));
}
