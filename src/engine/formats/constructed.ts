/**
 * The project's own dataset folder (docs/ARCHITECTURE.md, "File formats"): `images.npy`
 * (uint8 or float32, NHWC), `labels.npy` (int32; uint8 / int64 also read), `manifest.json`.
 * Arrays saved from numpy or PyTorch are read too: NCHW, float16/64 and bool images (npyImages.ts).
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
import { validateDataset } from './validate';
import { toNhwcImages, type Layout } from './npyImages';

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

export interface ReadFolderOptions {
  /** The images' axis order when neither manifest.json nor the shape settles it (--layout). */
  layout?: Layout;
  /** The class count when manifest.json gives none (--classes). */
  classes?: number;
}

/**
 * Reads a dataset folder keeping uint8 pixels as stored (anything else becomes float32), NCHW
 * transposed to NHWC. The class count comes from manifest.json or `classes`, never from the
 * largest label: labels 0..299 of a 10-class set are a bug to report, not 300 classes to train.
 */
export async function readDatasetFolderRaw(
  dir: string,
  opts: ReadFolderOptions = {},
): Promise<RawDataset> {
  const manifest = readDatasetManifest(dir);
  const imagesFile = path.join(dir, 'images.npy');
  const labelsFile = path.join(dir, 'labels.npy');
  const img = parseNpy(await readFileBytes(imagesFile), imagesFile);
  // A manifest written by this tool describes NHWC arrays unless it says otherwise.
  const layout = manifest ? (manifest.layout ?? 'nhwc') : opts.layout;
  if (manifest && opts.layout && opts.layout !== layout)
    throw new DataFormatError(
      path.join(dir, 'manifest.json'),
      `says layout ${layout} but --layout ${opts.layout} was given: drop one`,
    );
  const { pixels, shape, conversions } = toNhwcImages(img, imagesFile, layout);
  const stored = img.shape.length === 3 ? [...img.shape, 1] : img.shape;
  if (manifest && (manifest.shape.join() !== stored.join() || manifest.dtype !== img.dtype)) {
    throw new DataFormatError(
      imagesFile,
      `holds ${img.dtype} (${stored.join(', ')}) but manifest.json says ${manifest.dtype} (${manifest.shape.join(', ')})`,
    );
  }
  const lab = parseNpy(await readFileBytes(labelsFile), labelsFile);
  if (lab.dtype !== 'int32' && lab.dtype !== 'int64' && lab.dtype !== 'uint8')
    throw new DataFormatError(
      labelsFile,
      `wrong dtype ${lab.dtype}: labels must be integers (int64, int32 or uint8)`,
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
  if (manifest && opts.classes !== undefined && opts.classes !== manifest.numClasses)
    throw new DataFormatError(
      path.join(dir, 'manifest.json'),
      `says ${manifest.numClasses} classes but --classes ${opts.classes} was given: drop one`,
    );
  const numClasses = manifest?.numClasses ?? opts.classes;
  if (numClasses === undefined) {
    let maxLabel = 0;
    for (const l of labels) if (l > maxLabel) maxLabel = l;
    throw new DataFormatError(
      labelsFile,
      `how many classes? No manifest.json says, and the labels alone cannot (they run up to ${maxLabel}). Pass --classes N, or write ${path.join(dir, 'manifest.json')} with "numClasses"`,
    );
  }
  const bad = firstBadLabel(labels, numClasses);
  if (bad >= 0)
    throw new DataFormatError(
      labelsFile,
      `label ${labels[bad]} at index ${bad} is not in [0, ${numClasses}) (${manifest ? 'numClasses of manifest.json' : '--classes'})`,
    );
  const raw: RawDataset = { pixels, labels, shape, numClasses, source: dir };
  if (manifest?.classNames) raw.classNames = manifest.classNames;
  if (conversions.length) raw.conversions = conversions;
  return raw;
}

/** Reads a dataset folder as floats in [0,1]. */
export async function readDatasetFolder(
  dir: string,
  opts: ReadFolderOptions = {},
): Promise<Dataset> {
  return materialize(await readDatasetFolderRaw(dir, opts));
}
