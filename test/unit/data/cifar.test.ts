import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CIFAR10_CLASSES, loadCifar10, parseCifarBatch } from '../../../src/engine/formats/cifar';
import { assertDataError, assertDataErrorAsync, cifarBatch, tempDir } from './helpers';

test('CIFAR records are transposed from CHW planes to HWC', () => {
  const { n, pixels, labels } = parseCifarBatch(cifarBatch([3, 7]), 'b.bin');
  assert.equal(n, 2);
  assert.deepEqual(Array.from(labels), [3, 7]);
  // record r, row y, col x, channel ch ← byte 1 + ch*1024 + y*32 + x of the record
  for (const [r, y, x, ch] of [
    [0, 0, 0, 0],
    [0, 0, 1, 2],
    [1, 31, 5, 1],
    [1, 31, 31, 2],
  ] as const) {
    const p = y * 32 + x;
    assert.equal(pixels[r * 3072 + p * 3 + ch], (r * 7 + ch * 50 + p) % 256);
  }
});

test('CIFAR folder: train batches concatenated, test batch, meta class names, tarball subfolder', async () => {
  const dir = tempDir();
  const inner = path.join(dir, 'cifar-10-batches-bin');
  mkdirSync(inner);
  writeFileSync(path.join(inner, 'data_batch_1.bin'), cifarBatch([0, 1]));
  writeFileSync(path.join(inner, 'data_batch_2.bin'), cifarBatch([9]));
  writeFileSync(path.join(inner, 'test_batch.bin'), cifarBatch([5]));
  const train = await loadCifar10(dir, 'train');
  assert.deepEqual(train.shape, [3, 32, 32, 3]);
  assert.deepEqual(Array.from(train.labels), [0, 1, 9]);
  assert.deepEqual(train.classNames, CIFAR10_CLASSES);
  assert.equal(train.images[2 * 3072], Math.fround(((0 * 7 + 0 * 50 + 0) % 256) / 255)); // first pixel of the batch-2 record
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  writeFileSync(path.join(inner, 'batches.meta.txt'), names.join('\n') + '\n\n');
  const test1 = await loadCifar10(inner, 'test');
  assert.deepEqual(test1.shape, [1, 32, 32, 3]);
  assert.deepEqual(test1.classNames, names);
  writeFileSync(path.join(inner, 'batches.meta.txt'), 'a\nb\n');
  await assertDataErrorAsync(
    () => loadCifar10(inner, 'test'),
    path.join(inner, 'batches.meta.txt'),
    /lists 2 class names, expected 10/,
  );
});

test('CIFAR errors name the file: size not a multiple of 3073, bad label, empty, missing', async () => {
  assertDataError(
    () => parseCifarBatch(new Uint8Array(1000), 'd.bin'),
    'd.bin',
    /^size 1000 bytes is not a multiple of 3073 .*0 whole records and 1000 bytes left over/,
  );
  assertDataError(
    () => parseCifarBatch(cifarBatch([1, 2]).subarray(0, 6000), 'd.bin'),
    'd.bin',
    /1 whole records and 2927 bytes left over/,
  );
  assertDataError(
    () => parseCifarBatch(cifarBatch([1, 10]), 'd.bin'),
    'd.bin',
    /record 1 \(byte offset 3073\) has label 10/,
  );
  assertDataError(() => parseCifarBatch(new Uint8Array(0), 'd.bin'), 'd.bin', /empty file/);
  const dir = tempDir();
  await assertDataErrorAsync(
    () => loadCifar10(dir, 'train'),
    dir,
    /not found: expected data_batch_1\.bin/,
  );
  writeFileSync(path.join(dir, 'data_batch_1.bin'), Buffer.alloc(3074));
  await assertDataErrorAsync(
    () => loadCifar10(dir, 'train'),
    path.join(dir, 'data_batch_1.bin'),
    /not a multiple of 3073/,
  );
});
