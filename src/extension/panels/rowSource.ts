/**
 * Images for the panels, one at a time. The extension host must not hold a gallery's sets as
 * float32 (5 columns × 10,000 × 28×28 × 4 bytes ≈ 157 MB): a `.npy` set is read row by row at
 * its byte offset (header and labels only stay in memory), and a source set that only exists as
 * a selection of IDX / CIFAR / PNG files is kept as the uint8 it was decoded from (¼ of float32).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, parseSpec, selectIndices } from '../../engine/formats/load';
import { parseNpy } from '../../engine/formats/npy';
import { parseHeaderDict } from '../../engine/formats/npyHeader';
import type { Dataset } from '../../engine/types';

export interface RowSource {
  /** [n, h, w, c] of the rows this source serves. */
  readonly shape: [number, number, number, number];
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames: string[] | undefined;
  readonly source: string;
  /** Image i as floats in [0,1] (a fresh array the caller may keep). */
  row(i: number): Float32Array;
}

const DTYPES: Record<string, { size: number; float: boolean }> = {
  '|u1': { size: 1, float: false },
  '<u1': { size: 1, float: false },
  '<f4': { size: 4, float: true },
};

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface NpyLayout {
  file: string;
  dataStart: number;
  shape: [number, number, number, number];
  itemSize: number;
  float: boolean;
}

/** The header of an images.npy: where the data starts, its shape and dtype (nothing else is read). */
export function npyLayout(file: string): NpyLayout {
  const fd = fs.openSync(file, 'r');
  try {
    const pre = Buffer.alloc(12);
    if (fs.readSync(fd, pre, 0, 12, 0) < 10 || pre.toString('latin1', 1, 6) !== 'NUMPY')
      throw new Error(`${file}: not a .npy file`);
    const major = pre[6]!;
    const lenSize = major === 1 ? 2 : 4;
    const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
    if (headerLen > 1 << 20) throw new Error(`${file}: .npy header of ${headerLen} bytes`);
    const head = Buffer.alloc(headerLen);
    fs.readSync(fd, head, 0, headerLen, 8 + lenSize);
    const { descr, shape } = parseHeaderDict(head.toString(major === 3 ? 'utf8' : 'latin1'), file);
    const t = DTYPES[descr];
    if (!t) throw new Error(`${file}: images must be uint8 or float32, not ${descr}`);
    const s = shape.length === 3 ? [...shape, 1] : shape;
    if (s.length !== 4) throw new Error(`${file}: bad shape (${shape.join(', ')}), expected NHWC`);
    const layout = {
      file,
      dataStart: 8 + lenSize + headerLen,
      shape: s as NpyLayout['shape'],
      itemSize: t.size,
      float: t.float,
    };
    const need = layout.dataStart + s.reduce((a, b) => a * b, 1) * t.size;
    if (fs.fstatSync(fd).size !== need)
      throw new Error(
        `${file}: truncated or padded (${fs.fstatSync(fd).size} bytes, ${need} expected)`,
      );
    return layout;
  } finally {
    fs.closeSync(fd);
  }
}

function readLabels(dir: string): Int32Array {
  const file = path.join(dir, 'labels.npy');
  return Int32Array.from(parseNpy(fs.readFileSync(file), file).data);
}

function readManifest(dir: string): { numClasses?: number; classNames?: string[] } {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      numClasses?: number;
      classNames?: string[];
    };
  } catch {
    return {};
  }
}

/** Rows `index[k]` (or k) of a dataset folder's images.npy, read from disk on demand. */
export class NpyRows implements RowSource {
  readonly shape: [number, number, number, number];
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames: string[] | undefined;
  private readonly layout: NpyLayout;
  private openFd: number | undefined;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly source: string,
    dir: string,
    private readonly index?: Int32Array,
  ) {
    this.layout = npyLayout(path.join(dir, 'images.npy'));
    const all = readLabels(dir);
    const [n, h, w, c] = this.layout.shape;
    if (all.length !== n) throw new Error(`${dir}: ${all.length} labels for ${n} images`);
    const m = readManifest(dir);
    let max = 0;
    for (const l of all) max = Math.max(max, l);
    this.numClasses = m.numClasses ?? max + 1;
    this.classNames = m.classNames;
    this.labels = index ? Int32Array.from(index, (i) => all[i]!) : all;
    this.shape = [this.labels.length, h, w, c];
  }

  row(i: number): Float32Array {
    const [n, h, w, c] = this.shape;
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new RangeError(`image ${i} out of range (${n} images in ${this.source})`);
    const per = h * w * c;
    const { dataStart, itemSize, float } = this.layout;
    const j = this.index ? this.index[i]! : i;
    // A fresh ArrayBuffer per row (not Buffer's pool): offset 0, so it is aligned for Float32Array.
    const bytes = new Uint8Array(per * itemSize);
    fs.readSync(this.fd(), bytes, 0, bytes.length, dataStart + j * per * itemSize);
    if (!float) return Float32Array.from(bytes, (b) => b / 255);
    if (HOST_LE) return new Float32Array(bytes.buffer, 0, per);
    const view = new DataView(bytes.buffer);
    return Float32Array.from({ length: per }, (_, k) => view.getFloat32(4 * k, true));
  }

  /** The file stays open while rows are being asked for (a page of thumbnails), closed when idle. */
  private fd(): number {
    clearTimeout(this.closeTimer);
    this.openFd ??= fs.openSync(this.layout.file, 'r');
    this.closeTimer = setTimeout(() => {
      if (this.openFd !== undefined) fs.closeSync(this.openFd);
      this.openFd = undefined;
    }, 2000);
    this.closeTimer.unref();
    return this.openFd;
  }
}

/** A decoded dataset kept as uint8 when that loses nothing (IDX, CIFAR, PNG pixels are k/255). */
export class MemoryRows implements RowSource {
  readonly shape: [number, number, number, number];
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames: string[] | undefined;
  readonly source: string;
  private readonly pixels: Uint8Array | Float32Array;

  constructor(ds: Dataset) {
    this.shape = ds.shape;
    this.labels = ds.labels;
    this.numClasses = ds.numClasses;
    this.classNames = ds.classNames;
    this.source = ds.source;
    const bytes = new Uint8Array(ds.images.length);
    let exact = true;
    for (let k = 0; k < ds.images.length && exact; k++) {
      const v = Math.round(ds.images[k]! * 255);
      bytes[k] = v;
      exact = Math.abs(v / 255 - ds.images[k]!) < 1e-7;
    }
    this.pixels = exact ? bytes : ds.images;
  }

  row(i: number): Float32Array {
    const [n, h, w, c] = this.shape;
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new RangeError(`image ${i} out of range (${n} images in ${this.source})`);
    const per = h * w * c;
    const src = this.pixels.subarray(i * per, (i + 1) * per);
    return src instanceof Uint8Array
      ? Float32Array.from(src, (b) => b / 255)
      : Float32Array.from(src);
  }
}

/**
 * The source selection of a constructed set, as `loadDataset(data, {split: 'train', limit, seed})`
 * selects it: for an `npy:` folder the same indices are computed (selectIndices) and rows read
 * from disk; any other format is decoded once and kept as uint8.
 */
export async function sourceRows(
  data: string,
  limit: number | undefined,
  seed: number,
): Promise<RowSource> {
  const spec = parseSpec(data);
  if (spec.kind === 'npy') {
    const dir = fs.existsSync(path.join(spec.path, 'train', 'images.npy'))
      ? path.join(spec.path, 'train')
      : spec.path;
    const probe = new NpyRows(data, dir);
    if (limit === undefined) return probe;
    return new NpyRows(data, dir, selectIndices(probe.labels, probe.numClasses, { limit, seed }));
  }
  return new MemoryRows(
    await loadDataset(data, { split: 'train', ...(limit !== undefined ? { limit } : {}), seed }),
  );
}
