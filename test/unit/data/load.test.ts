import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { batches, subset } from '../../../src/engine/formats/raw';
import { DEFAULT_FASHION_MNIST_DIR } from '../../../src/engine/formats/idx';
import {
  findDatasets,
  loadDataset,
  parseSpec,
  selectIndices,
} from '../../../src/engine/formats/load';
import { writeDatasetFolder } from '../../../src/engine/formats/constructed';
import { encodePng } from '../../../src/engine/formats/png';
import {
  assertDataError,
  assertDataErrorAsync,
  cifarBatch,
  idxImages,
  idxLabels,
  tempDir,
} from './helpers';

test('specs: kinds, default Fashion-MNIST, bare folders detected, errors', () => {
  assert.deepEqual(parseSpec('fashion-mnist'), {
    kind: 'fashion-mnist',
    path: DEFAULT_FASHION_MNIST_DIR,
  });
  assert.deepEqual(parseSpec('cifar10:C:\\data\\cifar'), {
    kind: 'cifar10',
    path: 'C:\\data\\cifar',
  });
  assertDataError(() => parseSpec('mnist'), 'mnist', /needs a folder: write mnist:PATH/);
  assertDataError(() => parseSpec('imagenet:/x'), 'imagenet:/x', /unknown dataset/);
  const dir = tempDir();
  writeFileSync(path.join(dir, 'test_batch.bin'), cifarBatch([1]));
  assert.equal(parseSpec(dir).kind, 'cifar10');
});

test('selection: seeded, class-balanced, in base order; limit ≥ n keeps all', () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2)); // 70 / 25 / 5
  const a = selectIndices(labels, 3, { limit: 30, seed: 1 });
  assert.deepEqual(a, selectIndices(labels, 3, { limit: 30, seed: 1 }));
  assert.notDeepEqual(a, selectIndices(labels, 3, { limit: 30, seed: 2 }));
  const counts = [0, 0, 0];
  for (const i of a) counts[labels[i]!]!++;
  assert.deepEqual(
    counts,
    [13, 12, 5],
    'class 2 runs out at 5; the others share the rest, differing by ≤ 1',
  );
  assert.equal(new Set(a).size, 30);
  const fileOrder = selectIndices(labels, 3, { limit: 6, shuffle: false });
  assert.deepEqual(Array.from(fileOrder), [0, 1, 70, 71, 95, 96]);
  assert.deepEqual(
    Array.from(selectIndices(labels, 3, {})),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.equal(selectIndices(labels, 3, { limit: 500, seed: 3 }).length, 100);
});

test('loadDataset over every kind, and subset / batches', async () => {
  const root = tempDir();
  const idx = path.join(root, 'mnist');
  mkdirSync(idx);
  writeFileSync(path.join(idx, 't10k-images-idx3-ubyte'), idxImages(4, 2, 2));
  writeFileSync(path.join(idx, 't10k-labels-idx1-ubyte'), idxLabels([3, 1, 3, 1]));
  const m = await loadDataset(`mnist:${idx}`, { split: 'test', limit: 2, seed: 5 });
  assert.deepEqual(
    [m.shape, m.source, [...m.labels].sort()],
    [[2, 2, 2, 1], `mnist:${idx}`, [1, 3]],
  );
  assert.equal(m.classNames?.[3], '3');
  const cif = path.join(root, 'cifar');
  mkdirSync(cif);
  writeFileSync(path.join(cif, 'data_batch_1.bin'), cifarBatch([1, 2, 3]));
  assert.deepEqual((await loadDataset(`cifar10:${cif}`, { split: 'train' })).shape, [3, 32, 32, 3]);
  const fold = path.join(root, 'folder');
  mkdirSync(path.join(fold, 'k'), { recursive: true });
  writeFileSync(path.join(fold, 'k', 'a.png'), encodePng(new Uint8Array(4), 2, 2, 1));
  assert.deepEqual((await loadDataset(`folder:${fold}`, { split: 'train' })).shape, [1, 2, 2, 1]);
  const npy = path.join(root, 'npy');
  await writeDatasetFolder(npy, m, { dtype: 'uint8' });
  const back = await loadDataset(`npy:${npy}`, { split: 'train' });
  assert.deepEqual(back.images, m.images);
  assert.deepEqual(back.labels, m.labels);
  assert.deepEqual((await loadDataset(npy, { split: 'train' })).shape, [2, 2, 2, 1]);
  await assertDataErrorAsync(
    () => loadDataset(`npy:${npy}`, { split: 'test' }),
    npy,
    /no test split/,
  );
  // A folder of train/ and test/ dataset folders is detected as npy and has both splits.
  const split = path.join(root, 'split');
  await writeDatasetFolder(path.join(split, 'train'), m, { dtype: 'float32' });
  await writeDatasetFolder(path.join(split, 'test'), subset(m, [0]), { dtype: 'float32' });
  assert.deepEqual((await loadDataset(split, { split: 'test' })).shape, [1, 2, 2, 1]);
  const s = subset(back, [1, 1, 0]);
  assert.deepEqual(Array.from(s.labels), [back.labels[1], back.labels[1], back.labels[0]]);
  const bs = [...batches(s, 2)];
  assert.deepEqual(
    bs.map((b) => [b.start, b.shape[0], b.images.length]),
    [
      [0, 2, 8],
      [2, 1, 4],
    ],
  );
  assert.equal([...batches(s, 2, { dropLast: true })].length, 1);
});

test('findDatasets reports the Debian Fashion-MNIST', () => {
  const found = findDatasets([]);
  assert.equal(found[0]!.name, 'fashion-mnist');
  assert.equal(
    found[0]!.found,
    existsSync(path.join(DEFAULT_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')),
  );
  const root = tempDir();
  mkdirSync(path.join(root, 'cifar'));
  writeFileSync(path.join(root, 'cifar', 'data_batch_1.bin'), cifarBatch([1]));
  mkdirSync(path.join(root, 'junk'));
  const more = findDatasets([root]).slice(1);
  assert.deepEqual(more, [
    {
      name: 'cifar',
      spec: `cifar10:${path.join(root, 'cifar')}`,
      path: path.join(root, 'cifar'),
      found: true,
    },
  ]);
});
