/**
 * Chunks of a constructed dataset on disk: `chunks/NNNNN/` with images.npy (float32, NHWC),
 * labels.npy (int32) and meta.json (per-image records). Each chunk folder is written atomically,
 * so after a kill a chunk is either complete or absent and at most one chunk is redone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, parseNpy } from '../formats/npy';
import { writeFileAtomic } from '../formats/atomic';
import { removeStaleStaging, writeDirAtomic } from '../formats/atomicDir';
import { DataFormatError } from '../formats/errors';
import { killPoint } from '../testKill';

export interface ChunkRecord {
  /** Global index range [start, end) in the source dataset. */
  start: number;
  end: number;
  seconds: number;
  /** Per image, e.g. distances, startIndices, targets, success. */
  perImage: Record<string, number[]>;
}

export interface ChunkData {
  images: Float32Array;
  labels: Int32Array;
  record: ChunkRecord;
}

export const chunkDir = (outDir: string, k: number) =>
  path.join(outDir, 'chunks', String(k).padStart(5, '0'));

export function chunkDone(outDir: string, k: number): boolean {
  return fs.existsSync(path.join(chunkDir(outDir, k), 'meta.json'));
}

export function prepareChunks(outDir: string): void {
  removeStaleStaging(path.join(outDir, 'chunks'));
}

export async function writeChunk(
  outDir: string,
  k: number,
  shape: [number, number, number],
  data: ChunkData,
): Promise<void> {
  const n = data.record.end - data.record.start;
  await writeDirAtomic(chunkDir(outDir, k), (dir) => {
    writeFileAtomic(path.join(dir, 'images.npy'), encodeNpy(data.images, [n, ...shape]));
    killPoint('chunk-write', outDir);
    writeFileAtomic(path.join(dir, 'labels.npy'), encodeNpy(data.labels, [n]));
    writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(data.record));
  });
}

export function readChunk(outDir: string, k: number): ChunkData {
  const dir = chunkDir(outDir, k);
  const read = (f: string) =>
    parseNpy(new Uint8Array(fs.readFileSync(path.join(dir, f))), path.join(dir, f));
  const images = read('images.npy');
  const labels = read('labels.npy');
  if (!(images.data instanceof Float32Array))
    throw new DataFormatError(
      path.join(dir, 'images.npy'),
      `expected float32 pixels, got ${images.dtype}`,
    );
  if (!(labels.data instanceof Int32Array))
    throw new DataFormatError(
      path.join(dir, 'labels.npy'),
      `expected int32 labels, got ${labels.dtype}`,
    );
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as ChunkRecord;
  if (labels.data.length !== record.end - record.start)
    throw new DataFormatError(
      path.join(dir, 'labels.npy'),
      `${labels.data.length} labels for a chunk of ${record.end - record.start} images`,
    );
  return { images: images.data, labels: labels.data, record };
}
