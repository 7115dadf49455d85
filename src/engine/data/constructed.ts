/**
 * The project's own dataset folder (DESIGN.md "Constructed dataset"): `images.npy`
 * (uint8 or float32, NHWC), `labels.npy` (int32; uint8 / int64 also read), `manifest.json`.
 * .npy so that `np.load` / `torch.from_numpy` read it in one line. The manifest is written
 * last, so a folder with a manifest is complete even if a run was killed while writing.
 * A folder without a manifest (e.g. two arrays saved from numpy) is still readable.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { writeFileAtomicAsync } from './atomic';
import { readFileBytes } from './bytes';
import { DataFormatError } from './errors';
import { encodeNpy, parseNpy } from './npy';
import { firstBadLabel, materialize, type RawDataset } from './raw';

export const DATASET_FORMAT = 'rfl-dataset';
export const DATASET_VERSION = 1;

export type PixelDtype = 'uint8' | 'float32';

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_VERSION;
  shape: [number, number, number, number];
  dtype: PixelDtype;
  numClasses: number;
  classNames?: string[];
  /** Whatever the caller adds (provenance, construction config, metrics…). */
  [key: string]: unknown;
}

export interface WriteDatasetOptions {
  /** uint8 is 4× smaller and exact for natural images; float32 keeps constructed pixels exactly. */
  dtype: PixelDtype;
  manifest?: Record<string, unknown>;
}

/** Throws DataFormatError (naming `file`) unless sizes agree, labels are in range, pixels finite in [0,1]. */
export function validateDataset(d: Dataset, file: string): void {
  const [n, h, w, c] = d.shape;
  if (![n, h, w, c].every((x) => Number.isInteger(x) && x >= 0) || h * w * c === 0) {
    throw new DataFormatError(file, `bad shape [${d.shape.join(', ')}]`);
  }
  if (d.images.length !== n * h * w * c) {
    throw new DataFormatError(
      file,
      `shape [${d.shape.join(', ')}] needs ${n * h * w * c} pixels, images has ${d.images.length}`,
    );
  }
  if (d.labels.length !== n) {
    throw new DataFormatError(
      file,
      `label count ${d.labels.length} does not match image count ${n}`,
    );
  }
  checkPixels(d.images, h * w * c, file);
  const bad = firstBadLabel(d.labels, d.numClasses);
  if (bad >= 0)
    throw new DataFormatError(
      file,
      `label ${d.labels[bad]} at index ${bad} is not in [0, ${d.numClasses})`,
    );
}

/** NaN / Infinity / out-of-range pixels mean a bug upstream (e.g. a diverged attack): refuse them. */
function checkPixels(px: Float32Array, per: number, file: string): void {
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    if (v >= 0 && v <= 1) continue;
    const where = `pixel ${i} (image ${Math.floor(i / per)})`;
    throw new DataFormatError(
      file,
      Number.isNaN(v)
        ? `${where} is NaN`
        : !Number.isFinite(v)
          ? `${where} is ${v}`
          : `${where} is ${v}, outside [0, 1]`,
    );
  }
}

/** Writes images.npy, labels.npy, then manifest.json (each atomically). Returns the manifest. */
export async function writeDatasetFolder(
  dir: string,
  dataset: Dataset,
  opts: WriteDatasetOptions,
): Promise<DatasetManifest> {
  const imagesFile = path.join(dir, 'images.npy');
  validateDataset(dataset, imagesFile);
  let pixels: Uint8Array | Float32Array = dataset.images;
  if (opts.dtype === 'uint8') {
    pixels = new Uint8Array(dataset.images.length);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(dataset.images[i]! * 255);
  }
  await writeFileAtomicAsync(imagesFile, encodeNpy(pixels, dataset.shape));
  await writeFileAtomicAsync(
    path.join(dir, 'labels.npy'),
    encodeNpy(dataset.labels, [dataset.labels.length]),
  );
  // Our keys last: a caller's manifest cannot mislabel the format or the arrays.
  const manifest: DatasetManifest = {
    ...(opts.manifest ?? {}),
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    shape: [...dataset.shape],
    dtype: opts.dtype,
    numClasses: dataset.numClasses,
    ...(dataset.classNames ? { classNames: [...dataset.classNames] } : {}),
  };
  await writeFileAtomicAsync(
    path.join(dir, 'manifest.json'),
    JSON.stringify(manifest, null, 2) + '\n',
  );
  return manifest;
}

/** The manifest, or undefined if the folder has none. Throws DataFormatError if it is malformed. */
export function readDatasetManifest(dir: string): DatasetManifest | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataFormatError(
      file,
      `not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new DataFormatError(file, 'not a JSON object');
  const o = m as Record<string, unknown>;
  if (o.format !== DATASET_FORMAT)
    throw new DataFormatError(
      file,
      `format is ${JSON.stringify(o.format)}, expected "${DATASET_FORMAT}"`,
    );
  if (o.version !== DATASET_VERSION)
    throw new DataFormatError(
      file,
      `unsupported version ${JSON.stringify(o.version)} (this build reads ${DATASET_VERSION})`,
    );
  if (!Number.isInteger(o.numClasses) || (o.numClasses as number) < 1)
    throw new DataFormatError(file, 'numClasses must be a positive integer');
  if (
    !Array.isArray(o.shape) ||
    o.shape.length !== 4 ||
    !o.shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    throw new DataFormatError(
      file,
      `shape must be [n, height, width, channels], got ${JSON.stringify(o.shape)}`,
    );
  }
  if (o.dtype !== 'uint8' && o.dtype !== 'float32')
    throw new DataFormatError(
      file,
      `dtype must be "uint8" or "float32", got ${JSON.stringify(o.dtype)}`,
    );
  if (
    o.classNames !== undefined &&
    !(
      Array.isArray(o.classNames) &&
      o.classNames.every((s) => typeof s === 'string') &&
      o.classNames.length === o.numClasses
    )
  ) {
    throw new DataFormatError(file, 'classNames must be numClasses strings');
  }
  return o as DatasetManifest;
}

/** Reads a dataset folder keeping the stored dtype (uint8 or float32). */
export async function readDatasetFolderRaw(dir: string): Promise<RawDataset> {
  const manifest = readDatasetManifest(dir);
  const imagesFile = path.join(dir, 'images.npy');
  const labelsFile = path.join(dir, 'labels.npy');
  const img = parseNpy(await readFileBytes(imagesFile), imagesFile);
  if (img.dtype !== 'uint8' && img.dtype !== 'float32') {
    throw new DataFormatError(
      imagesFile,
      `wrong dtype ${img.dtype}: images must be uint8 (0..255) or float32 (0..1)`,
    );
  }
  // [n, h, w] is accepted as grayscale: what `np.save` of an MNIST-like array gives.
  const s = img.shape.length === 3 ? [...img.shape, 1] : img.shape;
  if (s.length !== 4 || s.slice(1).some((d) => d === 0)) {
    throw new DataFormatError(
      imagesFile,
      `bad shape (${img.shape.join(', ')}): expected (n, height, width, channels) NHWC`,
    );
  }
  const shape = s as [number, number, number, number];
  if (shape[0] === 0) throw new DataFormatError(imagesFile, 'contains no images');
  if (img.data instanceof Float32Array)
    checkPixels(img.data, shape[1] * shape[2] * shape[3], imagesFile);
  if (manifest && (manifest.shape.join() !== shape.join() || manifest.dtype !== img.dtype)) {
    throw new DataFormatError(
      imagesFile,
      `holds ${img.dtype} (${shape.join(', ')}) but manifest.json says ${manifest.dtype} (${manifest.shape.join(', ')})`,
    );
  }
  const lab = parseNpy(await readFileBytes(labelsFile), labelsFile);
  if (lab.dtype === 'float32')
    throw new DataFormatError(
      labelsFile,
      'wrong dtype float32: labels must be integers (int32, int64 or uint8)',
    );
  if (lab.shape.length !== 1)
    throw new DataFormatError(
      labelsFile,
      `bad shape (${lab.shape.join(', ')}): labels must be 1-D`,
    );
  if (lab.data.length !== shape[0]) {
    throw new DataFormatError(
      labelsFile,
      `label count ${lab.data.length} does not match image count ${shape[0]} (${imagesFile})`,
    );
  }
  const labels = Int32Array.from(lab.data);
  let maxLabel = 0;
  for (const l of labels) if (l > maxLabel) maxLabel = l;
  const numClasses = manifest?.numClasses ?? maxLabel + 1;
  const bad = firstBadLabel(labels, numClasses);
  if (bad >= 0)
    throw new DataFormatError(
      labelsFile,
      `label ${labels[bad]} at index ${bad} is not in [0, ${numClasses})`,
    );
  const raw: RawDataset = {
    pixels: img.data as Uint8Array | Float32Array,
    labels,
    shape,
    numClasses,
    source: dir,
  };
  if (manifest?.classNames) raw.classNames = manifest.classNames;
  return raw;
}

/** Reads a dataset folder as floats in [0,1]. */
export async function readDatasetFolder(dir: string): Promise<Dataset> {
  return materialize(await readDatasetFolderRaw(dir));
}
