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
 * npy: and folder: specs take options after a `?`, which the CLI's --layout, --classes and
 * --size add (so that a checkpoint's manifest records a spec that re-loads the same data):
 *   npy:PATH?layout=nchw&classes=10     the images' axis order; the class count
 *   folder:PATH?size=32x32              resize every image to 32×32 (height × width)
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

export interface SpecOptions {
  /** npy: the images' axis order, when the shape alone cannot tell. */
  layout?: 'nchw' | 'nhwc';
  /** npy: the class count, when no manifest.json gives it. */
  classes?: number;
  /** folder: resize every image to [height, width]. */
  size?: [number, number];
}

export interface ParsedSpec {
  kind: DatasetKind;
  path: string;
  options?: SpecOptions;
}

const OPTION_TAIL = /\?((?:layout|classes|size)=[^&?]*(?:&(?:layout|classes|size)=[^&?]*)*)$/;

/** Splits `PATH?k=v&k=v` into the path and checked options (a `?` not followed by them stays in the path). */
function splitOptions(spec: string, p: string): { path: string; options?: SpecOptions } {
  const m = OPTION_TAIL.exec(p);
  if (!m) return { path: p };
  const options: SpecOptions = {};
  for (const kv of m[1]!.split('&')) {
    const [k, v = ''] = kv.split('=') as [string, string?];
    if (k === 'layout') {
      if (v !== 'nchw' && v !== 'nhwc')
        throw new DataFormatError(spec, `layout=${v}: expected layout=nchw or layout=nhwc`);
      options.layout = v;
    } else if (k === 'classes') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 2)
        throw new DataFormatError(spec, `classes=${v}: expected a whole number ≥ 2`);
      options.classes = n;
    } else {
      const hw = v.split(/[x×X]/).map(Number);
      if (hw.length !== 2 || !hw.every((d) => Number.isInteger(d) && d > 0))
        throw new DataFormatError(spec, `size=${v}: expected HxW in pixels, e.g. size=32x32`);
      options.size = hw as [number, number];
    }
  }
  return { path: p.slice(0, m.index), options };
}

/** Adds options to a spec string (the CLI's --layout, --classes, --size). */
export function withSpecOptions(spec: string, add: SpecOptions): string {
  if (add.layout === undefined && add.classes === undefined && add.size === undefined) return spec;
  const p = parseSpec(spec);
  const wants = add.size !== undefined ? 'folder' : 'npy';
  if (p.kind !== wants)
    throw new DataFormatError(
      spec,
      add.size !== undefined
        ? '--size applies to folder: datasets (image folders) only'
        : '--layout and --classes apply to npy: datasets only',
    );
  return formatSpec({ ...p, options: { ...p.options, ...add } });
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
    if (kind !== 'npy' && kind !== 'folder') return { kind: kind as DatasetKind, path: p };
    const { path: dir, options } = splitOptions(spec, p);
    return { kind: kind, path: dir, ...(options ? { options } : {}) };
  }
  const { path: bare, options } = splitOptions(spec, s);
  if (existsSync(bare) && statSync(bare).isDirectory()) {
    const detected = detectKind(bare);
    if (detected) return { kind: detected, path: bare, ...(options ? { options } : {}) };
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
  if (p.kind === 'fashion-mnist' && p.path === DEFAULT_FASHION_MNIST_DIR) return 'fashion-mnist';
  const o = p.options ?? {};
  const opts = [
    o.layout ? `layout=${o.layout}` : '',
    o.classes ? `classes=${o.classes}` : '',
    o.size ? `size=${o.size.join('x')}` : '',
  ].filter(Boolean);
  return `${p.kind}:${p.path}${opts.length ? `?${opts.join('&')}` : ''}`;
}
