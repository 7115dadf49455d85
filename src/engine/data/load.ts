/**
 * One entry point from a dataset spec string (as written in experiment files and CLI flags)
 * to an in-memory Dataset:
 *   fashion-mnist            Debian's /usr/share/datasets/fashion-mnist (the offline default)
 *   fashion-mnist:PATH       a folder of Fashion-MNIST IDX files (.gz or raw)
 *   mnist:PATH               a folder of MNIST IDX files
 *   cifar10:PATH             CIFAR-10 binary batches (the folder, or the one above cifar-10-batches-bin/)
 *   folder:PATH              an image folder (one subfolder per class; optional train/ test/)
 *   npy:PATH                 a dataset folder (images.npy, labels.npy, manifest.json)
 *   PATH                     any of the folder kinds above, detected from the files present
 *
 * Selection rule (documented for manifests): shuffle defaults to true when `limit` is set
 * (a seeded random sample, seed 0 unless given) and false otherwise (file order). The base
 * order is the seeded permutation (or file order). `limit` then takes a class-balanced
 * subset: walking the base order, classes take turns (round-robin) so per-class counts differ
 * by at most one while every class still has images left; the chosen images keep base order.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { cifarFiles, loadCifar10Raw, resolveCifarDir } from './cifar';
import { readDatasetFolderRaw } from './constructed';
import { DataFormatError } from './errors';
import {
  DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, MNIST_CLASSES, findIdxFiles, loadIdxRaw, type Split,
} from './idx'; // prettier-ignore
import { loadImageFolderRaw } from './imageFolder';
import { materialize, type RawDataset } from './raw';
import { makeRng, permutation } from './rng';

export type DatasetKind = 'fashion-mnist' | 'mnist' | 'cifar10' | 'folder' | 'npy';
export const DATASET_KINDS: readonly DatasetKind[] = [
  'fashion-mnist',
  'mnist',
  'cifar10',
  'folder',
  'npy',
];

export interface LoadOptions {
  split: Split;
  /** At most this many images, class-balanced (see the header comment). */
  limit?: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Default: true when limit is set, else false. */
  shuffle?: boolean;
  signal?: AbortSignal;
}

export interface ParsedSpec {
  kind: DatasetKind;
  path: string;
}

/** Splits `kind:PATH` at the first colon; a bare folder path is detected by its contents. */
export function parseSpec(spec: string): ParsedSpec {
  const s = spec.trim();
  if (s === 'fashion-mnist') return { kind: 'fashion-mnist', path: DEFAULT_FASHION_MNIST_DIR };
  const colon = s.indexOf(':');
  const kind = colon > 0 ? s.slice(0, colon) : s;
  if ((DATASET_KINDS as readonly string[]).includes(kind)) {
    const p = colon > 0 ? s.slice(colon + 1) : '';
    if (p === '') throw new DataFormatError(spec, `needs a folder: write ${kind}:PATH`);
    return { kind: kind as DatasetKind, path: p };
  }
  if (existsSync(s) && statSync(s).isDirectory()) {
    const detected = detectKind(s);
    if (detected) return { kind: detected, path: s };
    throw new DataFormatError(
      spec,
      'folder holds no dataset this tool recognises (IDX, CIFAR-10 binary, images.npy, class subfolders)',
    );
  }
  throw new DataFormatError(
    spec,
    `unknown dataset: expected fashion-mnist, or one of ${DATASET_KINDS.map((k) => `${k}:PATH`).join(', ')}, or an existing folder`,
  );
}

/** Guesses the kind of a folder from the files in it; undefined if nothing matches. */
export function detectKind(dir: string): DatasetKind | undefined {
  const has = (f: string): boolean => existsSync(path.join(dir, f));
  try {
    findIdxFiles(dir, 'train');
    return /fashion/i.test(path.basename(dir)) ? 'fashion-mnist' : 'mnist';
  } catch {
    // not IDX
  }
  const cifar = resolveCifarDir(dir);
  if (['data_batch_1.bin', 'test_batch.bin'].some((f) => existsSync(path.join(cifar, f))))
    return 'cifar10';
  if (has('images.npy')) return 'npy';
  try {
    if (
      readdirSync(dir, { withFileTypes: true }).some(
        (e) => e.isDirectory() && !e.name.startsWith('.'),
      )
    )
      return 'folder';
  } catch {
    // unreadable: nothing to detect
  }
  return undefined;
}

/** The canonical, re-loadable spec string (stored as Dataset.source for manifests). */
export function formatSpec(p: ParsedSpec): string {
  return p.kind === 'fashion-mnist' && p.path === DEFAULT_FASHION_MNIST_DIR
    ? 'fashion-mnist'
    : `${p.kind}:${p.path}`;
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
      return loadImageFolderRaw(p.path, { split, ...(signal ? { signal } : {}) });
    case 'npy':
      return loadNpySplit(p.path, split);
    default: {
      const never: never = p.kind;
      throw new Error(`unhandled dataset kind ${String(never)}`);
    }
  }
}

/** A dataset folder is one set; a folder holding train/ and test/ dataset folders has splits. */
function loadNpySplit(dir: string, split: Split): Promise<RawDataset> {
  const sub = path.join(dir, split);
  if (existsSync(path.join(sub, 'images.npy'))) return readDatasetFolderRaw(sub);
  if (split === 'test' && !existsSync(path.join(dir, 'test'))) {
    // A constructed dataset (D_R, D_NR, …) is a training set; testing happens on the original test split.
    throw new DataFormatError(dir, 'no test/ dataset folder: this dataset has no test split');
  }
  return readDatasetFolderRaw(dir);
}

/** Loads a dataset from a spec (see the header comment for specs and the selection rule). */
export async function loadDataset(spec: string, opts: LoadOptions): Promise<Dataset> {
  const parsed = parseSpec(spec);
  const raw = await loadRaw(parsed, opts.split, opts.signal);
  raw.source = formatSpec(parsed);
  return materialize(raw, selectIndices(raw.labels, raw.numClasses, opts));
}

/** The indices `loadDataset` keeps, in order (exported for tests and for manifests). */
export function selectIndices(
  labels: ArrayLike<number>,
  numClasses: number,
  opts: { limit?: number; seed?: number; shuffle?: boolean },
): Int32Array {
  const n = labels.length;
  const limit = opts.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const shuffle = opts.shuffle ?? limit !== undefined;
  const order = shuffle
    ? permutation(n, makeRng(opts.seed ?? 0))
    : Int32Array.from({ length: n }, (_, i) => i);
  if (limit === undefined || limit >= n) return order;
  // Per-class queues in base order, then round-robin until `limit` are taken.
  const queues: number[][] = Array.from({ length: numClasses }, () => []);
  for (let k = 0; k < n; k++) queues[labels[order[k]!]!]!.push(k);
  const chosen = new Uint8Array(n); // by position in `order`
  let taken = 0;
  for (let round = 0; taken < limit; round++) {
    for (const q of queues) {
      if (round < q.length && taken < limit) {
        chosen[q[round]!] = 1;
        taken++;
      }
    }
  }
  const out = new Int32Array(limit);
  let j = 0;
  for (let k = 0; k < n; k++) if (chosen[k]) out[j++] = order[k]!;
  return out;
}

export interface FoundDataset {
  /** Display name, e.g. 'fashion-mnist'. */
  name: string;
  /** What to write in an experiment file to use it. */
  spec: string;
  path: string;
  found: boolean;
  /** When not found: how to get it. */
  hint?: string;
}

/** Which default datasets are installed (for `robust-features info`); cheap: no file is parsed. */
export function findDatasets(roots: string[] = ['/usr/share/datasets']): FoundDataset[] {
  const out: FoundDataset[] = [];
  let fashion = true;
  try {
    findIdxFiles(DEFAULT_FASHION_MNIST_DIR, 'train');
    findIdxFiles(DEFAULT_FASHION_MNIST_DIR, 'test');
  } catch {
    fashion = false;
  }
  out.push({
    name: 'fashion-mnist',
    spec: 'fashion-mnist',
    path: DEFAULT_FASHION_MNIST_DIR,
    found: fashion,
    ...(fashion ? {} : { hint: 'apt install dataset-fashion-mnist, or use fashion-mnist:PATH' }),
  });
  // Anything else already under the dataset roots (e.g. a CIFAR-10 someone unpacked there).
  for (const root of roots) {
    let names: string[] = [];
    try {
      names = readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      if (dir === DEFAULT_FASHION_MNIST_DIR) continue;
      const kind = safeDetect(dir);
      if (kind) out.push({ name, spec: formatSpec({ kind, path: dir }), path: dir, found: true });
    }
  }
  return out;
}

function safeDetect(dir: string): DatasetKind | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    const kind = detectKind(dir);
    if (kind === 'cifar10') cifarFiles(resolveCifarDir(dir), 'train');
    return kind;
  } catch {
    return undefined;
  }
}
