/**
 * Checkpoints on disk: TF.js layers format (`model.json` + `weights.bin`) with `manifest.json`
 * (what the model is and how it was made) and `metrics.json` (what it scores, and how that was
 * measured). Every file is written atomically, so a kill never leaves half a checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../formats/atomic';
import { describeFsError } from '../formats/bytes';
import { DataFormatError } from '../formats/errors';
import { ARCHS, representationOf, type ArchName, type BuiltModel } from './registry';
import { errorMessage } from '../../shared/errorMessage';
import { canonicalLayerNames, renameInJson } from './canonicalNames';

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
  /** Present only when a resume could not make the run bit-identical to an uninterrupted one. */
  resume?: { bitIdentical: false; why: string[] };
  timings: { trainSec: number };
  createdAt: string;
}

/**
 * The test set a checkpoint is measured on by default: the one it was trained with (`testData`),
 * which for a model trained on a constructed dataset (D_R, D_rand, …: no test split of their own)
 * is the original dataset's, else its training dataset's test split.
 */
export function defaultTestData(m: CheckpointManifest): string {
  const t = m.training.testData;
  if (typeof t === 'string' && t) return t;
  if (!m.dataset)
    throw new Error(
      `this ${m.arch} checkpoint records no dataset (imported without --data): pass --data SPEC`,
    );
  return m.dataset;
}

/** Serialises a model to the layers format as two buffers (topology JSON, weights). */
export async function serializeModel(
  model: tfl.LayersModel,
): Promise<{ json: string; weights: Buffer }> {
  let out: { json: string; weights: Buffer } | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const data = artifacts.weightData;
      const weights =
        data === undefined
          ? Buffer.alloc(0)
          : Buffer.from(tf.io.concatenateArrayBuffers(Array.isArray(data) ? data : [data]));
      const rename = canonicalLayerNames(artifacts.modelTopology as object);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [
          {
            paths: ['weights.bin'],
            // Renamed with the rest of the JSON below, in one pass: renaming them here too would
            // rename twice where an old name is another layer's new one (2→1, then 3→2→1).
            weights: artifacts.weightSpecs,
          },
        ],
      };
      out = { json: renameInJson(JSON.stringify(modelJson), rename), weights };
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const },
      });
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

/** Missing or malformed files become DataFormatError: the message names the file and the problem. */
function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new DataFormatError(file, `missing (${what})`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataFormatError(file, `${describeFsError(e)} (${what})`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DataFormatError(file, `not valid JSON (${what}): ${errorMessage(e)}`, { cause: e });
  }
}

interface WeightGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** The parts of model.json the loader relies on, checked before tfjs sees them (its errors name no file). */
function checkModelJson(
  mj: unknown,
  modelFile: string,
): { modelTopology: object; weightsManifest: WeightGroup[] } {
  const o = mj as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new DataFormatError(modelFile, 'not a JSON object (TF.js model topology)');
  if (
    typeof o.modelTopology !== 'object' ||
    o.modelTopology === null ||
    !Array.isArray(o.weightsManifest)
  ) {
    throw new DataFormatError(
      modelFile,
      'not a TF.js layers model (no modelTopology/weightsManifest)',
    );
  }
  for (const [g, group] of (o.weightsManifest as unknown[]).entries()) {
    const gr = group as Partial<WeightGroup> | null;
    if (
      !gr ||
      !Array.isArray(gr.paths) ||
      !gr.paths.every((p) => typeof p === 'string') ||
      !Array.isArray(gr.weights)
    ) {
      throw new DataFormatError(
        modelFile,
        `weightsManifest[${g}] needs a paths list and a weights list`,
      );
    }
    for (const w of gr.weights) {
      const ok =
        typeof w?.name === 'string' &&
        Array.isArray(w.shape) &&
        w.shape.every((d) => Number.isInteger(d) && d >= 0);
      if (!ok)
        throw new DataFormatError(
          modelFile,
          `weightsManifest[${g}] has a weight entry without a name and a shape of non-negative integers: ${JSON.stringify(w).slice(0, 120)}`,
        );
      if (w.dtype !== undefined && w.dtype !== 'float32')
        throw new DataFormatError(
          modelFile,
          `weight '${w.name}' has dtype ${w.dtype}; checkpoints store float32`,
        );
    }
    for (const p of gr.paths) {
      // Weights live beside model.json: a path that climbs out could read any file on the machine.
      if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..'))
        throw new DataFormatError(
          modelFile,
          `weights path '${p}' points outside the checkpoint folder`,
        );
    }
  }
  return o as { modelTopology: object; weightsManifest: WeightGroup[] };
}

/** Loads model.json + weights.bin from a folder, checking the weights file covers the manifest. */
export async function loadModelFiles(dir: string): Promise<tfl.LayersModel> {
  const modelFile = path.join(dir, 'model.json');
  const mj = checkModelJson(readJson<unknown>(modelFile, 'TF.js model topology'), modelFile);
  const specs = mj.weightsManifest.flatMap((g) => g.weights);
  const files = mj.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(dir, p));
  const buffers = files.map((f) => {
    if (!fs.existsSync(f))
      throw new DataFormatError(f, `missing weights file named by ${modelFile}`);
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new DataFormatError(f, describeFsError(e), { cause: e });
    }
  });
  const weights = Buffer.concat(buffers);
  const weightsFile = files.length === 1 ? files[0]! : path.join(dir, 'weights.bin');
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.length !== expected) {
    const how =
      weights.length < expected
        ? 'truncated, or written for another model'
        : 'written for another model, or junk appended';
    throw new DataFormatError(
      weightsFile,
      `${weights.length} bytes, but ${modelFile} describes ${expected} bytes of float32 weights (${specs.length} tensors): ${how}`,
    );
  }
  const ab = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  // A NaN or infinite weight makes every prediction NaN: say so here, not as "accuracy 10%" later.
  const values = new Float32Array(ab);
  let at = 0;
  for (const w of specs) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < size; i++) {
      const v = values[at + i]!;
      if (!Number.isFinite(v))
        throw new DataFormatError(
          weightsFile,
          `weight '${w.name}' holds ${v} at element ${i}: the model diverged or the file is corrupt`,
        );
    }
    at += size;
  }
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: specs, weightData: ab }),
    );
  } catch (e) {
    // e.g. a kernel of the wrong shape: tfjs names the layer, we name the file.
    throw new DataFormatError(
      modelFile,
      `cannot be loaded (weights do not match the topology?): ${errorMessage(e)}`,
      { cause: e },
    );
  }
}

/** manifest.json of a checkpoint, with the fields loaders rely on checked. */
export function readManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, 'manifest.json');
  const m = readJson<unknown>(file, 'checkpoint manifest');
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new DataFormatError(file, 'not a JSON object (checkpoint manifest)');
  const o = m as Partial<CheckpointManifest>;
  if (!(ARCHS as readonly unknown[]).includes(o.arch))
    throw new DataFormatError(
      file,
      `arch is ${JSON.stringify(o.arch)}, expected one of ${ARCHS.join(', ')}`,
    );
  if (
    !Array.isArray(o.inputShape) ||
    o.inputShape.length !== 3 ||
    !o.inputShape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new DataFormatError(
      file,
      `inputShape must be [height, width, channels], got ${JSON.stringify(o.inputShape)}`,
    );
  }
  if (!Number.isInteger(o.numClasses) || (o.numClasses as number) < 2)
    throw new DataFormatError(
      file,
      `numClasses must be an integer ≥ 2, got ${JSON.stringify(o.numClasses)}`,
    );
  if (typeof o.dataset !== 'string')
    throw new DataFormatError(file, 'dataset (the spec it was trained on) is missing');
  return o as CheckpointManifest;
}

export async function loadCheckpoint(
  dir: string,
): Promise<BuiltModel & { manifest: CheckpointManifest }> {
  const manifest = readManifest(dir);
  const model = await loadModelFiles(dir);
  const input = model.inputs[0]?.shape.slice(1) ?? [];
  const outputs = model.outputs[0]?.shape.at(-1);
  if (input.join() !== manifest.inputShape.join() || outputs !== manifest.numClasses) {
    model.dispose();
    throw new DataFormatError(
      path.join(dir, 'manifest.json'),
      `says input ${manifest.inputShape.join('×')} and ${manifest.numClasses} classes but model.json has input ${input.join('×')} and ${outputs} outputs`,
    );
  }
  return { arch: manifest.arch, model, representation: representationOf(model), manifest };
}
