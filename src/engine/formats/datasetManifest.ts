/**
 * manifest.json of a dataset folder: what the arrays are (format, version, shape, dtype,
 * classes) plus whatever provenance the caller recorded. Checked strictly on read, because
 * a later step (retraining on D_R, say) trusts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataFormatError } from './errors';
import { errorMessage } from '../../shared/errorMessage';

export const DATASET_FORMAT = 'rfl-dataset';
export const DATASET_VERSION = 1;

export type PixelDtype = 'uint8' | 'float32';

export interface DatasetManifest {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_VERSION;
  shape: [number, number, number, number];
  dtype: PixelDtype;
  /** The arrays' axis order; absent means NHWC (what this tool writes). `shape` is in this order. */
  layout?: 'nchw' | 'nhwc';
  numClasses: number;
  classNames?: string[];
  /** Whatever the caller adds (provenance, construction config, metrics…). */
  [key: string]: unknown;
}

/** The manifest, or undefined if the folder has none. Throws DataFormatError if it is malformed. */
export function readDatasetManifest(dir: string): DatasetManifest | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataFormatError(file, `not valid JSON (${errorMessage(e)})`, { cause: e });
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
  if (o.layout !== undefined && o.layout !== 'nchw' && o.layout !== 'nhwc')
    throw new DataFormatError(
      file,
      `layout must be "nchw" or "nhwc", got ${JSON.stringify(o.layout)}`,
    );
  if (
    !Array.isArray(o.shape) ||
    o.shape.length !== 4 ||
    !o.shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    throw new DataFormatError(
      file,
      `shape must be [n, height, width, channels] (or [n, channels, height, width] with "layout": "nchw"), got ${JSON.stringify(o.shape)}`,
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
