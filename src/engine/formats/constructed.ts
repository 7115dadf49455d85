/**
 * The project's own dataset folder (docs/ARCHITECTURE.md, "File formats"): `images.npy`
 * (uint8 or float32, NHWC), `labels.npy` (int32; uint8 / int64 also read), `manifest.json`.
 * .npy so that `np.load` / `torch.from_numpy` read it in one line. The manifest is written
 * last, so a folder with a manifest is complete even if a run was killed while writing.
 * A folder without a manifest (e.g. two arrays saved from numpy) is still readable.
 */
import * as path from 'node:path';
import type { Dataset } from '../types';
import { writeFileAtomicAsync } from './atomic';
import { readFileBytes } from './bytes';
import { DataFormatError } from './errors';
import { encodeNpy, parseNpy } from './npy';
import { firstBadLabel, materialize, type RawDataset } from './raw';
import {
  DATASET_FORMAT,
  DATASET_VERSION,
  readDatasetManifest,
  type DatasetManifest,
  type PixelDtype,
} from './datasetManifest';
import { checkPixels, validateDataset } from './validate';

export {
  DATASET_FORMAT,
  DATASET_VERSION,
  readDatasetManifest,
  type DatasetManifest,
  type PixelDtype,
} from './datasetManifest';
export { validateDataset } from './validate';

export interface WriteDatasetOptions {
  /** uint8 is 4× smaller and exact for natural images; float32 keeps constructed pixels exactly. */
  dtype: PixelDtype;
  manifest?: Record<string, unknown>;
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
