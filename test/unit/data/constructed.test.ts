import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../../../src/engine/types';
import { readDatasetFolder, writeDatasetFolder } from '../../../src/engine/formats/constructed';
import { encodeNpy } from '../../../src/engine/formats/npy';
import { assertDataErrorAsync, tempDir } from './helpers';

function tiny(): Dataset {
  const images = Float32Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => (i % 11) / 10);
  return {
    images,
    labels: Int32Array.from([2, 0, 1]),
    shape: [3, 2, 2, 3],
    numClasses: 3,
    classNames: ['x', 'y', 'z'],
    source: 'test',
  };
}

test('dataset folder round trip, float32 exact and uint8 within half a level', async () => {
  const dir = tempDir();
  const d = tiny();
  const m = await writeDatasetFolder(path.join(dir, 'f32'), d, {
    dtype: 'float32',
    manifest: { kind: 'D_R', format: 'spoof' },
  });
  assert.equal(m.format, 'rfl-dataset', "the caller's manifest cannot override the format");
  assert.equal(m.kind, 'D_R');
  const f = await readDatasetFolder(path.join(dir, 'f32'));
  assert.deepEqual(f.images, d.images);
  assert.deepEqual(f.labels, d.labels);
  assert.deepEqual([f.shape, f.numClasses, f.classNames], [d.shape, 3, ['x', 'y', 'z']]);
  const manifest = JSON.parse(
    readFileSync(path.join(dir, 'f32', 'manifest.json'), 'utf8'),
  ) as Record<string, unknown>;
  assert.deepEqual(
    [manifest.version, manifest.shape, manifest.dtype, manifest.numClasses],
    [1, [3, 2, 2, 3], 'float32', 3],
  );
  await writeDatasetFolder(path.join(dir, 'u8'), d, { dtype: 'uint8' });
  const u = await readDatasetFolder(path.join(dir, 'u8'));
  assert.ok(u.images.every((v, i) => Math.abs(v - d.images[i]!) <= 0.5 / 255 + 1e-7));
  assert.deepEqual(
    readdirSync(path.join(dir, 'u8')).sort(),
    ['images.npy', 'labels.npy', 'manifest.json'],
    'no temp files left',
  );
});

test('a folder saved from numpy without manifest: [n,h,w] uint8 images, the class count from --classes only', async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'images.npy'),
    encodeNpy(Uint8Array.from([0, 255, 0, 255, 51, 0, 0, 0]), [2, 2, 2]),
  );
  writeFileSync(path.join(dir, 'labels.npy'), encodeNpy(Int32Array.from([4, 1]), [2]));
  // Never 5 classes because the largest label is 4: the user says how many.
  await assert.rejects(
    readDatasetFolder(dir),
    (e: Error) =>
      e.message.startsWith(path.join(dir, 'labels.npy')) &&
      /how many classes\? .*up to 4\)\. Pass --classes N/.test(e.message),
  );
  const d = await readDatasetFolder(dir, { classes: 6 });
  assert.deepEqual([d.shape, d.numClasses, d.images[4]], [[2, 2, 2, 1], 6, Math.fround(0.2)]);
  assert.deepEqual(d.conversions, [
    `${path.join(dir, 'images.npy')}: uint8 0–255 scaled to [0, 1] (÷255)`,
  ]);
});

test('write refuses NaN / Infinity / out-of-range pixels, bad labels, count mismatch', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'images.npy');
  const cases: [(d: Dataset) => void, RegExp][] = [
    [(d) => (d.images[5] = NaN), /^pixel 5 \(image 0\) is NaN$/],
    [(d) => (d.images[13] = Infinity), /^pixel 13 \(image 1\) is Infinity$/],
    [(d) => (d.images[0] = 1.5), /1\.5, outside \[0, 1\]/],
    [(d) => (d.labels[1] = 3), /label 3 at index 1 is not in \[0, 3\)/],
    [(d) => (d.labels = Int32Array.from([0, 1])), /label count 2 does not match image count 3/],
    [(d) => (d.shape = [4, 2, 2, 3]), /needs 48 pixels, images has 36/],
  ];
  for (const [spoil, problem] of cases) {
    const d = tiny();
    spoil(d);
    await assertDataErrorAsync(
      () => writeDatasetFolder(dir, d, { dtype: 'float32' }),
      file,
      problem,
    );
  }
  assert.deepEqual(readdirSync(dir), [], 'nothing written for an invalid dataset');
});

test('read errors name the file: NaN pixels, wrong dtype, bad shape, count mismatch, manifest', async () => {
  const dir = tempDir();
  const img = path.join(dir, 'images.npy');
  const lbl = path.join(dir, 'labels.npy');
  const man = path.join(dir, 'manifest.json');
  await writeDatasetFolder(dir, tiny(), { dtype: 'float32' });
  writeFileSync(
    img,
    encodeNpy(
      Float32Array.from({ length: 36 }, (_, i) => (i === 7 ? NaN : 0)),
      [3, 2, 2, 3],
    ),
  );
  await assertDataErrorAsync(() => readDatasetFolder(dir), img, /pixel 7 \(image 0\) is NaN/);
  writeFileSync(img, encodeNpy(new Int32Array(36), [3, 2, 2, 3]));
  await assertDataErrorAsync(() => readDatasetFolder(dir), img, /wrong dtype int32/);
  writeFileSync(img, encodeNpy(new Uint8Array(36), [36]));
  await assertDataErrorAsync(() => readDatasetFolder(dir), img, /bad shape \(36\)/);
  writeFileSync(img, encodeNpy(new Uint8Array(36), [3, 2, 2, 3]));
  await assertDataErrorAsync(
    () => readDatasetFolder(dir),
    img,
    /holds uint8 \(3, 2, 2, 3\) but manifest\.json says float32/,
  );
  writeFileSync(img, encodeNpy(new Float32Array(24), [2, 2, 2, 3]));
  await assertDataErrorAsync(
    () => readDatasetFolder(dir),
    img,
    /manifest\.json says float32 \(3, 2, 2, 3\)/,
  );
  writeFileSync(man, '{"format": "rfl-dataset", "version": 1,');
  await assertDataErrorAsync(() => readDatasetFolder(dir), man, /not valid JSON/);
  writeFileSync(man, '{"format": "other"}');
  await assertDataErrorAsync(() => readDatasetFolder(dir), man, /format is "other"/);
  await writeDatasetFolder(dir, tiny(), { dtype: 'float32' });
  writeFileSync(lbl, encodeNpy(Int32Array.from([0, 1]), [2]));
  await assertDataErrorAsync(
    () => readDatasetFolder(dir),
    lbl,
    new RegExp(`^label count 2 does not match image count 3 \\(${img}\\)$`),
  );
  writeFileSync(lbl, encodeNpy(new Float32Array(3), [3]));
  await assertDataErrorAsync(() => readDatasetFolder(dir), lbl, /wrong dtype float32/);
  writeFileSync(lbl, encodeNpy(Int32Array.from([0, 1, 7]), [3]));
  await assertDataErrorAsync(
    () => readDatasetFolder(dir),
    lbl,
    /label 7 at index 2 is not in \[0, 3\)/,
  );
});
