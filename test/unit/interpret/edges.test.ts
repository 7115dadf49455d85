import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeAlignment, pearson, sobelMagnitude } from '../../../src/engine/interpret/edges';
import { makeRng } from '../../../src/engine/formats/rng';

/** An 12×12 image with a bright square: its edges are the square's outline. */
function square(): Float32Array {
  const img = new Float32Array(144);
  for (let y = 4; y < 8; y++) for (let x = 4; x < 8; x++) img[y * 12 + x] = 1;
  return img;
}

test('Sobel finds the outline of a square and nothing in flat regions', () => {
  const e = sobelMagnitude(square(), 12, 12, 1);
  assert.equal(e[0 * 12 + 0], 0);
  assert.equal(e[1 * 12 + 1], 0);
  assert.ok((e[4 * 12 + 3] as number) > 0, 'left edge');
  assert.equal(e[10 * 12 + 10], 0);
});

test('pearson: 1 for proportional vectors, −1 for opposite, 0 for a constant', () => {
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 6]) - 1) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), 0);
});

test('a gradient concentrated on the edges scores higher than noise', () => {
  const img = square();
  const edgeGrad = sobelMagnitude(img, 12, 12, 1).map((v, i) => (i % 2 ? -v : v)); // sign does not matter
  const rng = makeRng(1);
  const noise = Float32Array.from({ length: 144 }, () => rng.normal());
  const aligned = edgeAlignment(img, edgeGrad, 1, 12, 12, 1).mean;
  const noisy = edgeAlignment(img, noise, 1, 12, 12, 1).mean;
  assert.ok(Math.abs(aligned - 1) < 1e-6, `aligned ${aligned}`);
  assert.ok(Math.abs(noisy) < 0.3, `noise ${noisy}`);
});
