import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as path from 'node:path';
import {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  loadFashionMnist,
  loadIdx,
  parseIdxImages,
  parseIdxLabels,
} from '../../../src/engine/formats/idx';
import { assertDataError, assertDataErrorAsync, idxImages, idxLabels, tempDir } from './helpers';

const haveFashion = existsSync(path.join(DEFAULT_FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));

test(
  'real Fashion-MNIST (Debian dataset-fashion-mnist) loads with the right shapes and values',
  { skip: !haveFashion && 'not installed' },
  async () => {
    const train = await loadFashionMnist('train');
    assert.deepEqual(train.shape, [60000, 28, 28, 1]);
    assert.equal(train.images.length, 60000 * 784);
    assert.equal(train.numClasses, 10);
    assert.deepEqual(train.classNames, FASHION_MNIST_CLASSES);
    // Independent read of the raw bytes: label 0 is at offset 8, image 0 at offset 16.
    const rawLabels = gunzipSync(
      readFileSync(path.join(DEFAULT_FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz')),
    );
    assert.equal(train.labels[0], rawLabels[8]);
    assert.equal(train.labels[59999], rawLabels[8 + 59999]);
    const rawImages = gunzipSync(
      readFileSync(path.join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')),
    );
    for (const i of [0, 300, 783])
      assert.equal(train.images[i], Math.fround(rawImages[16 + i]! / 255));
    let min = Infinity,
      max = -Infinity;
    for (const v of train.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    const counts = new Array<number>(10).fill(0);
    for (const l of train.labels) counts[l]!++;
    assert.deepEqual(counts, new Array(10).fill(6000)); // Fashion-MNIST is exactly balanced
    const testSet = await loadFashionMnist('test');
    assert.deepEqual(testSet.shape, [10000, 28, 28, 1]);
    assert.ok(testSet.labels.every((l) => l >= 0 && l < 10));
  },
);

test('raw and gzip IDX parse the same; gzip is detected by magic bytes, not by name', () => {
  const raw = idxImages(3, 2, 4);
  const a = parseIdxImages(raw, 'x');
  const b = parseIdxImages(gzipSync(raw), 'x');
  assert.deepEqual([a.n, a.height, a.width], [3, 2, 4]);
  assert.deepEqual(a.pixels, b.pixels);
  assert.deepEqual(Array.from(parseIdxLabels(gzipSync(idxLabels([1, 2])), 'y')), [1, 2]);
});

test('IDX errors name the file and the problem', () => {
  assertDataError(
    () => parseIdxImages(Buffer.alloc(16), 'f'),
    'f',
    /^wrong magic number 0x00000000, expected 0x00000803 \(IDX images\)$/,
  );
  assertDataError(
    () => parseIdxImages(idxLabels([1]), 'f'),
    'f',
    /wrong magic.*this is an IDX labels file/,
  );
  assertDataError(
    () => parseIdxLabels(idxImages(1, 1, 1), 'f'),
    'f',
    /expected 0x00000801 \(IDX labels\)/,
  );
  const truncated = idxImages(60000, 28, 28).subarray(0, 1000);
  assertDataError(
    () => parseIdxImages(truncated, 'f'),
    'f',
    /^truncated: header says 60000 images of 28×28 \(47040016 bytes\) but file has 1000 bytes$/,
  );
  assertDataError(
    () => parseIdxImages(gzipSync(truncated), 'g'),
    'g',
    /but decompressed data has 1000 bytes/,
  );
  assertDataError(
    () => parseIdxImages(gzipSync(idxImages(2, 2, 2)).subarray(0, 20), 'g'),
    'g',
    /^truncated gzip data/,
  );
  assertDataError(
    () => parseIdxImages(Buffer.from([0, 0]), 'f'),
    'f',
    /^truncated: file has 2 bytes/,
  );
  assertDataError(() => parseIdxImages(idxImages(1, 0, 28), 'f'), 'f', /bad shape/);
  assertDataError(
    () => parseIdxLabels(Buffer.concat([idxLabels([1]), Buffer.from([0])]), 'f'),
    'f',
    /1 extra/,
  );
});

test('loader: count mismatch, label range, missing files', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxImages(3, 2, 2));
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxLabels([0, 1])));
  const lbl = path.join(dir, 'train-labels-idx1-ubyte.gz');
  const img = path.join(dir, 'train-images-idx3-ubyte');
  await assertDataErrorAsync(
    () => loadIdx(dir, 'train'),
    lbl,
    new RegExp(`^label count 2 does not match image count 3 \\(${img}\\)$`),
  );
  writeFileSync(lbl, gzipSync(idxLabels([0, 1, 10])));
  await assertDataErrorAsync(
    () => loadIdx(dir, 'train'),
    lbl,
    /label 10 at index 2 is not below the number of classes \(10\)/,
  );
  writeFileSync(lbl, gzipSync(idxLabels([0, 9, 3])));
  const d = await loadIdx(dir, 'train');
  assert.deepEqual(d.shape, [3, 2, 2, 1]);
  assert.deepEqual(Array.from(d.labels), [0, 9, 3]);
  assert.equal(d.images[5], Math.fround(5 / 255));
  await assertDataErrorAsync(
    () => loadIdx(dir, 'test'),
    dir,
    /not found: expected t10k-images-idx3-ubyte or t10k-images-idx3-ubyte\.gz/,
  );
});
