import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { loadImageFolder } from '../../../src/engine/formats/imageFolder';
import { encodePng } from '../../../src/engine/formats/png';
import { assertDataErrorAsync, tempDir } from './helpers';

const gray = (h: number, w: number, v: number): Buffer =>
  encodePng(new Uint8Array(h * w).fill(v), h, w, 1);
const rgb = (h: number, w: number, [r, g, b]: number[]): Buffer =>
  encodePng(
    Uint8Array.from({ length: h * w * 3 }, (_, i) => [r, g, b][i % 3]!),
    h,
    w,
    3,
  );

function put(dir: string, rel: string, bytes: Uint8Array | string): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

test('classes are sorted folder names; files sorted; hidden and non-image files ignored', async () => {
  const dir = tempDir();
  put(dir, 'zebra/b.png', gray(4, 3, 10));
  put(dir, 'zebra/a.PNG', gray(4, 3, 20));
  put(dir, 'ant/x.png', gray(4, 3, 30));
  put(dir, 'ant/.hidden.png', 'not an image');
  put(dir, 'ant/notes.txt', 'hello');
  put(dir, '.git/config', 'x');
  const d = await loadImageFolder(dir);
  assert.deepEqual(d.classNames, ['ant', 'zebra']);
  assert.deepEqual(d.shape, [3, 4, 3, 1]);
  assert.deepEqual(Array.from(d.labels), [0, 1, 1]);
  assert.deepEqual(
    [d.images[0], d.images[12], d.images[24]],
    [30, 20, 10].map((v) => Math.fround(v / 255)),
  );
});

test('channel rule: majority wins (tie keeps RGB); option overrides; JPEG decodes', async () => {
  const dir = tempDir();
  put(dir, 'a/1.png', gray(2, 2, 100));
  put(dir, 'a/2.png', gray(2, 2, 200));
  put(dir, 'b/3.png', rgb(2, 2, [255, 0, 0]));
  const g = await loadImageFolder(dir);
  assert.equal(g.shape[3], 1);
  assert.equal(g.images[8], Math.fround(Math.round(0.299 * 255) / 255)); // red → BT.601 luma
  const c = await loadImageFolder(dir, { channels: 3 });
  assert.deepEqual(c.shape, [3, 2, 2, 3]);
  assert.deepEqual(
    Array.from(c.images.subarray(0, 3)),
    [100, 100, 100].map((v) => Math.fround(v / 255)),
  );
  const red = Buffer.from(
    Array.from({ length: 16 }, (_, i) => (i % 4 === 1 || i % 4 === 2 ? 0 : 255)),
  );
  const jpg = jpeg.encode({ width: 2, height: 2, data: red }, 95);
  put(dir, 'b/4.jpg', jpg.data);
  const tie = await loadImageFolder(dir);
  assert.deepEqual(tie.shape, [4, 2, 2, 3]);
  assert.ok(tie.images[3 * 12]! > 0.9 && tie.images[3 * 12 + 1]! < 0.1, 'JPEG pixel is red');
  // A grayscale PNG saved as RGB (R = G = B) counts as gray; a palette PNG decodes too.
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(77);
  put(dir, 'b/5.png', PNG.sync.write(png, { colorType: 2 }));
  assert.equal((await loadImageFolder(dir)).shape[3], 1);
});

test('train/ and test/ splits share class indices', async () => {
  const dir = tempDir();
  put(dir, 'train/cat/1.png', gray(2, 2, 1));
  put(dir, 'train/dog/1.png', gray(2, 2, 2));
  put(dir, 'test/dog/1.png', gray(2, 2, 3));
  put(dir, 'test/emu/1.png', gray(2, 2, 4));
  const tr = await loadImageFolder(dir, { split: 'train' });
  const te = await loadImageFolder(dir, { split: 'test' });
  assert.deepEqual(tr.classNames, ['cat', 'dog', 'emu']);
  assert.deepEqual(te.classNames, ['cat', 'dog', 'emu']);
  assert.deepEqual(Array.from(te.labels), [1, 2]);
  const flat = tempDir();
  put(flat, 'a/1.png', gray(2, 2, 1));
  await assertDataErrorAsync(
    () => loadImageFolder(flat, { split: 'test' }),
    flat,
    /no test\/ subfolder/,
  );
});

test('image folder errors name the file: corrupt, wrong size, not an image, empty', async () => {
  const dir = tempDir();
  put(dir, 'a/1.png', gray(4, 4, 1));
  const small = put(dir, 'b/2.png', gray(3, 4, 1));
  await assertDataErrorAsync(
    () => loadImageFolder(dir),
    small,
    /image is 4×3 but .*1\.png is 4×4: all images must share one size/,
  );
  const good = gray(3, 4, 1);
  const corrupt = put(dir, 'b/2.png', good.subarray(0, good.length - 20));
  await assertDataErrorAsync(() => loadImageFolder(dir), corrupt, /^truncated PNG: chunk/);
  const badJpeg = put(dir, 'b/2.png', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 1, 2, 3]));
  await assertDataErrorAsync(
    () => loadImageFolder(dir),
    badJpeg,
    /^truncated JPEG: no end-of-image marker/,
  );
  const text = put(dir, 'b/2.png', 'just text');
  await assertDataErrorAsync(() => loadImageFolder(dir), text, /not a PNG or JPEG file/);
  const empty = tempDir();
  mkdirSync(path.join(empty, 'a'));
  await assertDataErrorAsync(() => loadImageFolder(empty), empty, /no PNG or JPEG images/);
  await assertDataErrorAsync(
    () => loadImageFolder(path.join(empty, 'nope')),
    path.join(empty, 'nope'),
    /no such file or folder/,
  );
});
