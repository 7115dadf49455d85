/**
 * Dataset folders for the gallery and diff panels, read in the extension host with the engine's
 * plain-JS readers (.npy, IDX, PNG encoding; no tfjs). A constructed set's i-th image was made
 * from the i-th image of `loadDataset(config.data, {split: 'train', limit, seed})`, its source.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodePng } from '../../engine/formats/png';
import type { Dataset } from '../../engine/types';
import { PNG } from 'pngjs';
import type { ImageRef } from '../../shared/webviewProtocol';
import { MemoryRows, NpyRows, sourceRows, type RowSource } from './rowSource';

export interface ConstructedInfo {
  folder: string;
  construction: string;
  n: number;
  config: { data?: string; limit?: number; seed?: number };
  perImage: Record<string, number[]>;
}

export const KIND_TITLES: Record<string, string> = {
  source: 'original',
  robust: 'D_R',
  nonrobust: 'D_NR',
  rand: 'D_rand',
  det: 'D_det',
};
const ORDER = ['robust', 'nonrobust', 'rand', 'det'];

export function readConstructedInfo(folder: string): ConstructedInfo | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    if (m.kind !== 'constructed-dataset' || typeof m.construction !== 'string') return undefined;
    const shape = m.shape as number[];
    return {
      folder,
      construction: m.construction,
      n: shape[0] ?? 0,
      config: m.config ?? {},
      perImage: (m.perImage ?? {}) as Record<string, number[]>,
    };
  } catch {
    return undefined;
  }
}

/** The constructed sets in `folder` (itself, or its sub-folders), in the order D_R, D_NR, D_rand, D_det. */
export function findConstructed(folder: string): ConstructedInfo[] {
  const self = readConstructedInfo(folder);
  if (self) return [self];
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const found = names
    .map((n) => readConstructedInfo(path.join(folder, n)))
    .filter((x): x is ConstructedInfo => !!x);
  return found.sort((a, b) => ORDER.indexOf(a.construction) - ORDER.indexOf(b.construction));
}

export function sourceKey(info: ConstructedInfo): string {
  return JSON.stringify([info.config.data, info.config.limit, info.config.seed]);
}

/**
 * Row sources by folder (or source key); a few at most, oldest dropped first. They hold labels
 * and file offsets, not images (rowSource.ts), except a decoded IDX/CIFAR source kept as uint8.
 */
export class DatasetCache {
  private readonly map = new Map<string, Promise<RowSource>>();
  constructor(private readonly max = 8) {}

  private get(key: string, load: () => Promise<RowSource>): Promise<RowSource> {
    let p = this.map.get(key);
    if (p) {
      this.map.delete(key);
      this.map.set(key, p);
      return p;
    }
    p = load();
    p.catch(() => this.map.delete(key));
    this.map.set(key, p);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return p;
  }

  folder(folder: string): Promise<RowSource> {
    return this.get(`folder:${path.resolve(folder)}`, () =>
      Promise.resolve().then(() => new NpyRows(folder, folder)),
    );
  }

  source(info: ConstructedInfo): Promise<RowSource> {
    const { data, limit, seed } = info.config;
    if (!data)
      return Promise.reject(
        new Error(`${info.folder}: manifest.json has no config.data (source dataset unknown)`),
      );
    return this.get(`source:${sourceKey(info)}`, () => sourceRows(data, limit, seed ?? 0));
  }

  /** The images an ImageRef points into: a dataset folder, or a constructed folder's source. */
  async resolve(ref: ImageRef): Promise<RowSource> {
    if (ref.file) return new MemoryRows(await readPngAsDataset(ref.folder));
    if (!ref.source) return this.folder(ref.folder);
    const info = readConstructedInfo(ref.folder);
    if (!info) throw new Error(`${ref.folder} is not a constructed dataset: it has no source set`);
    return this.source(info);
  }
}

export function pngDataUrl(
  pixels: Float32Array | Uint8Array,
  h: number,
  w: number,
  c: number,
): string {
  return `data:image/png;base64,${encodePng(pixels, h, w, c).toString('base64')}`;
}

export function thumb(ds: RowSource, i: number): string {
  const [, h, w, c] = ds.shape;
  return pngDataUrl(ds.row(i), h, w, c);
}

/** One PNG file as a one-image dataset: grayscale when R = G = B everywhere, else RGB; alpha dropped. */
export async function readPngAsDataset(file: string): Promise<Dataset> {
  const png = PNG.sync.read(await fs.promises.readFile(file));
  const { width: w, height: h, data } = png;
  let gray = true;
  for (let p = 0; p < w * h && gray; p++)
    gray = data[p * 4] === data[p * 4 + 1] && data[p * 4] === data[p * 4 + 2];
  const c = gray ? 1 : 3;
  const images = new Float32Array(w * h * c);
  for (let p = 0; p < w * h; p++)
    for (let j = 0; j < c; j++) images[p * c + j] = data[p * 4 + j]! / 255;
  return {
    images,
    labels: Int32Array.of(0),
    shape: [1, h, w, c],
    numClasses: 1,
    classNames: ['—'],
    source: file,
  };
}
