/**
 * CIFAR-10 "binary version" batches (https://www.cs.toronto.edu/~kriz/cifar.html): each
 * record is 1 label byte then 3072 pixel bytes, stored channel-major (1024 red, 1024 green,
 * 1024 blue, each 32×32 row-major). The engine is NHWC, so records are transposed to HWC here.
 * There is no header, so the only structural checks are the record size and the label range.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { readFileBytes } from './bytes';
import { DataFormatError, bytesWord } from './errors';
import { materialize, type RawDataset } from './raw';
import type { Split } from './idx';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3;
export const CIFAR_RECORD = 1 + CIFAR_PIXELS;
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

export interface CifarBatch {
  n: number;
  /** n × 32 × 32 × 3 uint8, HWC. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** Parses one batch file's bytes. Throws DataFormatError, nothing else. */
export function parseCifarBatch(bytes: Uint8Array, file: string, numClasses = 10): CifarBatch {
  if (bytes.length === 0) throw new DataFormatError(file, 'empty file, expected CIFAR-10 records');
  if (bytes.length % CIFAR_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD);
    throw new DataFormatError(
      file,
      `size ${bytesWord(bytes.length)} is not a multiple of ${CIFAR_RECORD} (1 label byte + ` +
        `${CIFAR_PIXELS} pixel bytes per CIFAR-10 record): ${whole} whole records and ` +
        `${bytes.length - whole * CIFAR_RECORD} bytes left over (truncated, or not CIFAR-10 binary?)`,
    );
  }
  const n = bytes.length / CIFAR_RECORD;
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const pixels = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD;
    const label = bytes[rec]!;
    if (label >= numClasses) {
      throw new DataFormatError(
        file,
        `record ${i} (byte offset ${rec}) has label ${label}, not below ${numClasses} classes ` +
          `(CIFAR-100 files have 2 label bytes per record and are not supported)`,
      );
    }
    labels[i] = label;
    const src = rec + 1;
    const dst = i * CIFAR_PIXELS;
    for (let p = 0; p < plane; p++) {
      pixels[dst + 3 * p] = bytes[src + p]!;
      pixels[dst + 3 * p + 1] = bytes[src + plane + p]!;
      pixels[dst + 3 * p + 2] = bytes[src + 2 * plane + p]!;
    }
  }
  return { n, pixels, labels };
}

/** `batches.meta.txt`: one class name per line; blank lines (there is a trailing one) ignored. */
export function parseCifarMeta(text: string, file: string, numClasses = 10): string[] {
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (names.length !== numClasses) {
    throw new DataFormatError(file, `lists ${names.length} class names, expected ${numClasses}`);
  }
  return names;
}

/** The extracted tarball is `cifar-10-batches-bin/`; accept the folder above it too. */
export function resolveCifarDir(dir: string): string {
  const inner = path.join(dir, 'cifar-10-batches-bin');
  return !existsSync(path.join(dir, 'data_batch_1.bin')) && existsSync(inner) ? inner : dir;
}

/**
 * The files of a split: `test_batch.bin`, or whichever of `data_batch_1..5.bin` exist
 * (a partial download still works; none at all is an error).
 */
export function cifarFiles(dir: string, split: Split): string[] {
  const names =
    split === 'test' ? ['test_batch.bin'] : [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
  const files = names.map((n) => path.join(dir, n)).filter((p) => existsSync(p));
  if (files.length === 0) {
    const why = existsSync(dir) ? 'not found' : 'folder does not exist';
    throw new DataFormatError(
      dir,
      `${why}: expected ${names.join(', ')} (CIFAR-10 binary, ${split} split)`,
    );
  }
  return files;
}

export async function loadCifar10Raw(dir: string, split: Split): Promise<RawDataset> {
  const root = resolveCifarDir(dir);
  const files = cifarFiles(root, split);
  const parsed: CifarBatch[] = [];
  for (const f of files) parsed.push(parseCifarBatch(await readFileBytes(f), f));
  const n = parsed.reduce((s, b) => s + b.n, 0);
  const pixels = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const b of parsed) {
    pixels.set(b.pixels, at * CIFAR_PIXELS);
    labels.set(b.labels, at);
    at += b.n;
  }
  const metaFile = path.join(root, 'batches.meta.txt');
  let classNames = CIFAR10_CLASSES;
  if (existsSync(metaFile)) {
    let text: string;
    try {
      text = readFileSync(metaFile, 'utf8');
    } catch (e) {
      throw new DataFormatError(metaFile, `cannot read: ${String(e)}`, { cause: e });
    }
    classNames = parseCifarMeta(text, metaFile);
  }
  return {
    pixels,
    labels,
    shape: [n, CIFAR_SIDE, CIFAR_SIDE, 3],
    numClasses: 10,
    classNames: [...classNames],
    source:
      files.length === 1 ? files[0]! : `${root} (${files.map((f) => path.basename(f)).join(', ')})`,
  };
}

/** One split of CIFAR-10 as floats in [0,1], shape [n, 32, 32, 3]. */
export async function loadCifar10(dir: string, split: Split): Promise<Dataset> {
  return materialize(await loadCifar10Raw(dir, split));
}
