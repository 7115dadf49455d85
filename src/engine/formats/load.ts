/**
 * One entry point from a dataset spec string (grammar in spec.ts) to an in-memory Dataset,
 * with the seeded, class-balanced selection of select.ts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { loadCifar10Raw } from './cifar';
import { readDatasetFolderRaw, type ReadFolderOptions } from './constructed';
import { DataFormatError } from './errors';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, loadIdxRaw, type Split } from './idx';
import { loadImageFolderRaw } from './imageFolder';
import { materialize, type RawDataset } from './raw';
import { selectIndices } from './select';
import { formatSpec, parseSpec, type ParsedSpec } from './spec';

export { findDatasets, type FoundDataset } from './find';
export { selectIndices } from './select';
export {
  DATASET_KINDS,
  detectKind,
  formatSpec,
  parseSpec,
  withSpecOptions,
  type DatasetKind,
  type ParsedSpec,
  type SpecOptions,
} from './spec';

export interface LoadOptions {
  split: Split;
  /** At most this many images, class-balanced (rule in select.ts). */
  limit?: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Default: true when limit is set, else false. */
  shuffle?: boolean;
  signal?: AbortSignal;
}

async function loadRaw(p: ParsedSpec, split: Split, signal?: AbortSignal): Promise<RawDataset> {
  switch (p.kind) {
    case 'fashion-mnist':
      return loadIdxRaw(p.path, split, { classNames: FASHION_MNIST_CLASSES });
    case 'mnist':
      return loadIdxRaw(p.path, split, { classNames: MNIST_CLASSES });
    case 'cifar10':
      return loadCifar10Raw(p.path, split);
    case 'folder':
      return loadImageFolderRaw(p.path, {
        split,
        ...(signal ? { signal } : {}),
        ...(p.options?.size ? { size: p.options.size } : {}),
      });
    case 'npy':
      return loadNpySplit(p.path, split, p.options ?? {});
    default: {
      const never: never = p.kind;
      throw new Error(`unhandled dataset kind ${String(never)}`);
    }
  }
}

/** A dataset folder is one set; a folder holding train/ and test/ dataset folders has splits. */
function loadNpySplit(dir: string, split: Split, opts: ReadFolderOptions): Promise<RawDataset> {
  const sub = path.join(dir, split);
  if (existsSync(path.join(sub, 'images.npy'))) return readDatasetFolderRaw(sub, opts);
  if (split === 'test' && !existsSync(path.join(dir, 'test'))) {
    // A constructed dataset (D_R, D_NR, …) is a training set; testing happens on the original test split.
    throw new DataFormatError(dir, 'no test/ dataset folder: this dataset has no test split');
  }
  return readDatasetFolderRaw(dir, opts);
}

/** Loads a dataset from a spec (grammar in spec.ts, selection rule in select.ts). */
export async function loadDataset(spec: string, opts: LoadOptions): Promise<Dataset> {
  const parsed = parseSpec(spec);
  const raw = await loadRaw(parsed, opts.split, opts.signal);
  raw.source = formatSpec(parsed);
  return materialize(raw, selectIndices(raw.labels, raw.numClasses, opts));
}
