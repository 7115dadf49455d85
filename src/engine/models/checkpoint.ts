/**
 * Checkpoints on disk: TF.js layers format (`model.json` + `weights.bin`) with `manifest.json`
 * (what the model is and how it was made) and `metrics.json` (what it scores, and how that was
 * measured). Every file is written atomically, so a kill never leaves half a checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../data/atomic';
import { representationOf, type ArchName, type BuiltModel } from './registry';

export interface CheckpointManifest {
  kind: 'checkpoint';
  arch: ArchName;
  inputShape: [number, number, number];
  numClasses: number;
  classNames?: string[];
  dataset: string;
  training: Record<string, unknown>;
  seed: number;
  backend: string;
  versions: Record<string, string>;
  epochsDone: number;
  timings: { trainSec: number };
  createdAt: string;
}

/** Serialises a model to the layers format as two buffers (topology JSON, weights). */
export async function serializeModel(model: tfl.LayersModel): Promise<{ json: string; weights: Buffer }> {
  let out: { json: string; weights: Buffer } | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const data = artifacts.weightData;
      const weights = data === undefined ? Buffer.alloc(0) : Buffer.from(tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]));
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      out = { json: JSON.stringify(modelJson), weights };
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } });
    }),
  );
  if (!out) throw new Error('model.save produced nothing');
  return out;
}

export async function writeModelFiles(dir: string, model: tfl.LayersModel): Promise<void> {
  const { json, weights } = await serializeModel(model);
  fs.mkdirSync(dir, { recursive: true });
  // weights first: a model.json is only ever next to weights it can read.
  writeFileAtomic(path.join(dir, 'weights.bin'), weights);
  writeFileAtomic(path.join(dir, 'model.json'), json);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (${what})`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${what}): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Loads model.json + weights.bin from a folder, checking the weights file covers the manifest. */
export async function loadModelFiles(dir: string): Promise<tfl.LayersModel> {
  const modelFile = path.join(dir, 'model.json');
  const mj = readJson<{ modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(modelFile, 'TF.js model topology');
  if (!mj.modelTopology || !Array.isArray(mj.weightsManifest)) throw new Error(`${modelFile}: not a TF.js layers model (no modelTopology/weightsManifest)`);
  const specs = mj.weightsManifest.flatMap((g) => g.weights);
  const buffers = mj.weightsManifest.flatMap((g) => g.paths).map((p) => {
    const f = path.join(dir, p);
    if (!fs.existsSync(f)) throw new Error(`${f}: missing weights file named by ${modelFile}`);
    return fs.readFileSync(f);
  });
  const weights = Buffer.concat(buffers);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.length !== expected) {
    throw new Error(`${path.join(dir, 'weights.bin')}: ${weights.length} bytes, but ${modelFile} describes ${expected} bytes of float32 weights`);
  }
  const ab = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: specs, weightData: ab }));
  } catch (e) {
    throw new Error(`${modelFile}: cannot be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function readManifest(dir: string): CheckpointManifest {
  return readJson<CheckpointManifest>(path.join(dir, 'manifest.json'), 'checkpoint manifest');
}

export async function loadCheckpoint(dir: string): Promise<BuiltModel & { manifest: CheckpointManifest }> {
  const manifest = readManifest(dir);
  const model = await loadModelFiles(dir);
  return { arch: manifest.arch, model, representation: representationOf(model), manifest };
}
