/**
 * IDX files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/):
 * a big-endian header — magic 0x0000 <type> <ndims>, then one uint32 per dimension —
 * followed by the data. Only the two layouts these datasets use are accepted: uint8 images
 * (magic 0x00000803: n, rows, cols) and uint8 labels (0x00000801: n).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { maybeGunzip, maybeGunzipSync, readFileBytes, isGzip } from './bytes';
import { DataFormatError, bytesWord, hex32 } from './errors';
import { firstBadLabel, materialize, type RawDataset } from './raw';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** Debian's `dataset-fashion-mnist` package installs the four .gz files here. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Label order as published by Zalando (fashion-mnist README). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface IdxImages {
  n: number;
  height: number;
  width: number;
  /** n × height × width uint8, row-major. */
  pixels: Uint8Array;
}

/**
 * Parses an IDX images file (gzip or raw bytes). Throws DataFormatError, nothing else.
 * `wasGzip`: the caller already inflated the bytes (only changes the wording of size errors).
 */
export function parseIdxImages(bytes: Uint8Array, file: string, wasGzip = false): IdxImages {
  const gz = wasGzip || isGzip(bytes);
  const data = maybeGunzipSync(bytes, file);
  checkHeader(data, file, IDX_IMAGES_MAGIC, 16, 'IDX images', gz);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = view.getUint32(4);
  const height = view.getUint32(8);
  const width = view.getUint32(12);
  if (height === 0 || width === 0) {
    throw new DataFormatError(file, `bad shape: header says images of ${height}×${width}`);
  }
  const need = 16 + n * height * width;
  checkSize(data, file, need, `${n} images of ${height}×${width}`, gz);
  return { n, height, width, pixels: data.subarray(16, need) };
}

/** Parses an IDX labels file (gzip or raw bytes). Throws DataFormatError, nothing else. */
export function parseIdxLabels(bytes: Uint8Array, file: string, wasGzip = false): Uint8Array {
  const gz = wasGzip || isGzip(bytes);
  const data = maybeGunzipSync(bytes, file);
  checkHeader(data, file, IDX_LABELS_MAGIC, 8, 'IDX labels', gz);
  const n = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4);
  checkSize(data, file, 8 + n, `${n} labels`, gz);
  return data.subarray(8, 8 + n);
}

function checkHeader(
  data: Uint8Array,
  file: string,
  magic: number,
  headerLen: number,
  what: string,
  gz: boolean,
): void {
  const has = gz ? 'decompressed data has' : 'file has';
  if (data.length < 4) {
    throw new DataFormatError(
      file,
      `truncated: ${has} ${bytesWord(data.length)}, too short for the ${headerLen}-byte ${what} header`,
    );
  }
  const got = new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
  if (got !== magic) {
    const hint =
      got === IDX_IMAGES_MAGIC
        ? ' (this is an IDX images file)'
        : got === IDX_LABELS_MAGIC
          ? ' (this is an IDX labels file)'
          : (got & 0xffffff00) === 0x00000800
            ? ` (an IDX file of ${got & 0xff} dimensions, not ${what})`
            : '';
    throw new DataFormatError(
      file,
      `wrong magic number ${hex32(got)}, expected ${hex32(magic)} (${what})${hint}`,
    );
  }
  if (data.length < headerLen) {
    throw new DataFormatError(
      file,
      `truncated: ${has} ${bytesWord(data.length)}, too short for the ${headerLen}-byte ${what} header`,
    );
  }
}

function checkSize(data: Uint8Array, file: string, need: number, says: string, gz: boolean): void {
  if (data.length === need) return;
  const has = gz ? 'decompressed data has' : 'file has';
  const problem =
    data.length < need
      ? `truncated: header says ${says} (${bytesWord(need)}) but ${has} ${bytesWord(data.length)}`
      : `header says ${says} (${bytesWord(need)}) but ${has} ${bytesWord(data.length)} (${data.length - need} extra)`;
  throw new DataFormatError(file, problem);
}

export type Split = 'train' | 'test';

/** Finds `train-images-idx3-ubyte[.gz]` etc. (also the `train-images.idx3-ubyte` spelling). */
export function findIdxFiles(dir: string, split: Split): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  const pick = (kind: 'images' | 'labels', dims: number): string => {
    const names = [`${prefix}-${kind}-idx${dims}-ubyte`, `${prefix}-${kind}.idx${dims}-ubyte`];
    for (const name of names) {
      for (const ext of ['', '.gz']) {
        const p = path.join(dir, name + ext);
        if (existsSync(p)) return p;
      }
    }
    const why = existsSync(dir) ? 'not found' : 'folder does not exist';
    throw new DataFormatError(
      dir,
      `${why}: expected ${names[0]} or ${names[0]}.gz (${split} split)`,
    );
  };
  return { images: pick('images', 3), labels: pick('labels', 1) };
}

export interface IdxLoadOptions {
  /** Default 10 (MNIST and Fashion-MNIST). Labels must be below it. */
  numClasses?: number;
  classNames?: string[];
}

/** Loads one split of an MNIST-style folder, keeping pixels as uint8. */
export async function loadIdxRaw(
  dir: string,
  split: Split,
  opts: IdxLoadOptions = {},
): Promise<RawDataset> {
  const files = findIdxFiles(dir, split);
  const [rawImg, rawLbl] = await Promise.all([
    readFileBytes(files.images),
    readFileBytes(files.labels),
  ]);
  // Inflate off the main thread (a worker must keep answering cancel requests meanwhile).
  const [imgBytes, lblBytes] = await Promise.all([
    maybeGunzip(rawImg, files.images),
    maybeGunzip(rawLbl, files.labels),
  ]);
  const img = parseIdxImages(imgBytes, files.images, imgBytes !== rawImg);
  const labels = parseIdxLabels(lblBytes, files.labels, lblBytes !== rawLbl);
  if (labels.length !== img.n) {
    throw new DataFormatError(
      files.labels,
      `label count ${labels.length} does not match image count ${img.n} (${files.images})`,
    );
  }
  if (img.n === 0) throw new DataFormatError(files.images, 'contains no images');
  const numClasses = opts.numClasses ?? 10;
  const bad = firstBadLabel(labels, numClasses);
  if (bad >= 0) {
    throw new DataFormatError(
      files.labels,
      `label ${labels[bad]} at index ${bad} is not below the number of classes (${numClasses})`,
    );
  }
  const raw: RawDataset = {
    pixels: img.pixels,
    labels: Int32Array.from(labels),
    shape: [img.n, img.height, img.width, 1],
    numClasses,
    source: files.images,
  };
  if (opts.classNames) raw.classNames = opts.classNames;
  return raw;
}

/** Loads one split of an MNIST-style folder as floats in [0,1], shape [n, 28, 28, 1]. */
export async function loadIdx(
  dir: string,
  split: Split,
  opts: IdxLoadOptions = {},
): Promise<Dataset> {
  return materialize(await loadIdxRaw(dir, split, opts));
}

/** Fashion-MNIST with its class names; defaults to Debian's install folder. */
export function loadFashionMnist(split: Split, dir = DEFAULT_FASHION_MNIST_DIR): Promise<Dataset> {
  return loadIdx(dir, split, { classNames: FASHION_MNIST_CLASSES });
}
