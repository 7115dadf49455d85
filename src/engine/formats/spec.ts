/**
 * Dataset spec strings, as written in experiment files and CLI flags:
 *   fashion-mnist            Debian's /usr/share/datasets/fashion-mnist (the offline default)
 *   fashion-mnist:PATH       a folder of Fashion-MNIST IDX files (.gz or raw)
 *   mnist:PATH               a folder of MNIST IDX files
 *   cifar10:PATH             CIFAR-10 binary batches (the folder, or the one above cifar-10-batches-bin/)
 *   folder:PATH              an image folder (one subfolder per class; optional train/ test/)
 *   npy:PATH                 a dataset folder (images.npy, labels.npy, manifest.json), or a
 *                            folder of train/ and test/ dataset folders
 *   PATH                     any of the folder kinds above, detected from the files present
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { resolveCifarDir } from './cifar';
import { DataFormatError } from './errors';
import { DEFAULT_FASHION_MNIST_DIR, findIdxFiles } from './idx';

export type DatasetKind = 'fashion-mnist' | 'mnist' | 'cifar10' | 'folder' | 'npy';
export const DATASET_KINDS: readonly DatasetKind[] = [
  'fashion-mnist',
  'mnist',
  'cifar10',
  'folder',
  'npy',
];

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
  if (has('images.npy') || has(path.join('train', 'images.npy'))) return 'npy';
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
