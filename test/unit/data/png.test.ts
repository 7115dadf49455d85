import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { Dataset } from '../../../src/engine/types';
import { encodePng, writePreviewGrid } from '../../../src/engine/formats/png';
import { tempDir } from './helpers';

test('encodePng: grayscale and RGB, float input clamped', () => {
  const g = PNG.sync.read(encodePng(Float32Array.from([0, 0.5, 1, 2, -1, NaN]), 2, 3, 1));
  assert.deepEqual([g.width, g.height, g.colorType], [3, 2, 0]);
  assert.deepEqual(Array.from(g.data.filter((_, i) => i % 4 === 0)), [0, 128, 255, 255, 0, 0]);
  const c = PNG.sync.read(encodePng(Uint8Array.from([1, 2, 3, 4, 5, 6]), 1, 2, 3));
  assert.equal(c.colorType, 2);
  assert.deepEqual(Array.from(c.data), [1, 2, 3, 255, 4, 5, 6, 255]);
  assert.throws(() => encodePng(new Uint8Array(5), 2, 3, 1), RangeError);
});

test('writePreviewGrid lays out tiles with padding and scale', () => {
  const n = 5,
    h = 2,
    w = 3;
  const images = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) images.fill(i / 4, i * h * w, (i + 1) * h * w);
  const d: Dataset = {
    images,
    labels: new Int32Array(n),
    shape: [n, h, w, 1],
    numClasses: 1,
    source: 't',
  };
  const file = path.join(tempDir(), 'sub', 'preview.png');
  writePreviewGrid(file, d, [4, 3, 2, 1, 0], 3, { pad: 1, scale: 2, background: 0 });
  const p = PNG.sync.read(readFileSync(file));
  assert.deepEqual([p.width, p.height], [3 * 6 + 4, 2 * 4 + 3]);
  const at = (x: number, y: number): number => p.data[(y * p.width + x) * 4]!;
  assert.equal(at(0, 0), 0); // padding
  assert.equal(at(1, 1), 255); // tile 0 = image 4 = 1.0
  assert.equal(at(6, 4), 255); // last pixel of the scaled tile
  assert.equal(at(8, 1), Math.round(0.75 * 255)); // tile 1 = image 3
  assert.equal(at(1, 6), Math.round(0.25 * 255)); // tile 3 (second row) = image 1
  assert.equal(at(15, 6), 0); // empty sixth cell stays background
});
