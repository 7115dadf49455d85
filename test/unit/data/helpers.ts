/** Shared builders for the data tests: temp folders and small synthetic files in each format. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import * as assert from 'node:assert/strict';
import { DataFormatError } from '../../../src/engine/formats/errors';

/** A fresh temp folder, removed when the test file finishes. */
export function tempDir(prefix = 'rfl-data-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function idxImages(n: number, h: number, w: number, fill = (i: number) => i % 256): Buffer {
  const b = Buffer.alloc(16 + n * h * w);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(n, 4);
  b.writeUInt32BE(h, 8);
  b.writeUInt32BE(w, 12);
  for (let i = 0; i < n * h * w; i++) b[16 + i] = fill(i);
  return b;
}

export function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

/** CIFAR records: label, then channel-planes where pixel value = f(record, channel, position). */
export function cifarBatch(
  labels: number[],
  f = (r: number, ch: number, p: number) => (r * 7 + ch * 50 + p) % 256,
): Buffer {
  const b = Buffer.alloc(labels.length * 3073);
  labels.forEach((l, r) => {
    b[r * 3073] = l;
    for (let ch = 0; ch < 3; ch++)
      for (let p = 0; p < 1024; p++) b[r * 3073 + 1 + ch * 1024 + p] = f(r, ch, p);
  });
  return b;
}

/** Asserts `fn` throws a DataFormatError naming `file` whose problem matches `problem`. */
export function assertDataError(fn: () => unknown, file: string, problem: RegExp): void {
  assert.throws(fn, (e: unknown) => isDataError(e, file, problem));
}

export async function assertDataErrorAsync(
  fn: () => Promise<unknown>,
  file: string,
  problem: RegExp,
): Promise<void> {
  await assert.rejects(fn, (e: unknown) => isDataError(e, file, problem));
}

function isDataError(e: unknown, file: string, problem: RegExp): boolean {
  assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${String(e)}`);
  assert.equal(e.file, file);
  assert.match(e.problem, problem);
  assert.equal(e.message, `${file}: ${e.problem}`);
  return true;
}
