/**
 * The Diff panel's numbers and pictures: b − a, its L2 and L∞ norms (over all pixels and channels,
 * in [0,1] pixel units, as the attacks measure ε), and the difference shown amplified (divided by
 * its largest magnitude) through a diverging blue–white–red colormap.
 */
import * as path from 'node:path';
import type { RowSource } from './rowSource';
import type { DiffData, DiffSide, ImageRef } from '../../shared/webviewProtocol';
import { KIND_TITLES, pngDataUrl, readConstructedInfo, type DatasetCache } from './datasets';
import { readPredictions } from './predictions';
import type { PredictionsFile } from '../../shared/panelsPredictions';

export function diffNorms(a: Float32Array, b: Float32Array): { l2: number; linf: number } {
  if (a.length !== b.length)
    throw new RangeError(`images differ in size (${a.length} vs ${b.length} values)`);
  let s = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b[i]! - a[i]!;
    s += d * d;
    if (Math.abs(d) > m) m = Math.abs(d);
  }
  return { l2: Math.sqrt(s), linf: m };
}

// RdBu end points (ColorBrewer): blue for b < a, red for b > a, near-white for no change.
const NEG = [33, 102, 172];
const MID = [247, 247, 247];
const POS = [178, 24, 43];
export function diverging(t: number): [number, number, number] {
  const u = Math.max(-1, Math.min(1, t));
  const end = u < 0 ? NEG : POS;
  const k = Math.abs(u);
  return [0, 1, 2].map((j) => Math.round(MID[j]! + (end[j]! - MID[j]!) * k)) as [
    number,
    number,
    number,
  ];
}

export function diffImage(
  a: Float32Array,
  b: Float32Array,
  h: number,
  w: number,
  c: number,
): { png: string; amplification: number } {
  const mean = new Float32Array(h * w);
  let max = 0;
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += b[p * c + j]! - a[p * c + j]!;
    mean[p] = s / c;
    max = Math.max(max, Math.abs(mean[p]!));
  }
  const amplification = max > 0 ? 1 / max : 1;
  const rgb = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) rgb.set(diverging(mean[p]! * amplification), p * 3);
  return { png: pngDataUrl(rgb, h, w, 3), amplification };
}

export function refTitle(ref: ImageRef): string {
  const info = readConstructedInfo(ref.folder);
  if (ref.file) return path.basename(ref.folder);
  const kind = ref.source
    ? 'original'
    : info
      ? (KIND_TITLES[info.construction] ?? info.construction)
      : path.basename(ref.folder);
  return `${kind} #${ref.index}`;
}

function side(ds: RowSource, ref: ImageRef): DiffSide {
  const [, h, w, c] = ds.shape;
  const label = ds.labels[ref.index]!;
  const nameOf = (l: number) => ds.classNames?.[l] ?? String(l);
  const predictions = [
    ...(ref.file
      ? new Map<string, PredictionsFile>()
      : readPredictions(ref.folder, !!ref.source, ds.shape[0])),
  ].map(([name, p]) => ({
    name,
    top3: (p.top3[ref.index] ?? []).map(([l, pr]) => ({ label: l, labelName: nameOf(l), p: pr })),
  }));
  return {
    ref,
    title: refTitle(ref),
    label,
    labelName: nameOf(label),
    png: pngDataUrl(ds.row(ref.index), h, w, c),
    predictions,
  };
}

export async function computeDiff(
  cache: DatasetCache,
  a: ImageRef,
  b: ImageRef,
): Promise<DiffData> {
  const [da, db] = await Promise.all([cache.resolve(a), cache.resolve(b)]);
  const [, h, w, c] = da.shape;
  if (db.shape.slice(1).join() !== da.shape.slice(1).join())
    throw new Error(
      `cannot compare a ${da.shape.slice(1).join('×')} image with a ${db.shape.slice(1).join('×')} one`,
    );
  const xa = da.row(a.index);
  const xb = db.row(b.index);
  const { l2, linf } = diffNorms(xa, xb);
  const { png, amplification } = diffImage(xa, xb, h, w, c);
  return {
    a: side(da, a),
    b: side(db, b),
    diffPng: png,
    l2,
    linf,
    amplification,
    shape: [h, w, c],
  };
}
