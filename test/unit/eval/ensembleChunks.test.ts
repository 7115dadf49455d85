/**
 * How AutoAttack splits the examples still robust into the chunks an attack runs
 * (`ensembleChunks`): every example once and in order, no chunk over the batch size, sizes within
 * one of each other, and an even count where that leaves at least 32 examples a chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ensembleChunks } from '../../../src/engine/eval/ensembleChunks';

test('chunks cover the examples in order, even in count and equal in size', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 600 }), (n, batch) => {
      const idx = Array.from({ length: n }, (_, i) => 3 * i + 1);
      const chunks = ensembleChunks(idx, batch);
      assert.deepEqual(chunks.flat(), idx);
      const sizes = chunks.map((c) => c.length);
      assert.ok(
        sizes.every((s) => s >= 1 && s <= batch),
        `sizes ${sizes.join(',')} within 1..${batch}`,
      );
      assert.ok(
        Math.max(...sizes) - Math.min(...sizes) <= 1,
        `sizes ${sizes.join(',')} within one`,
      );
      const fewest = Math.ceil(n / batch);
      const evened = fewest % 2 === 1 && n >= (fewest + 1) * 32;
      assert.equal(chunks.length, evened ? fewest + 1 : fewest, `${n} examples, batch ${batch}`);
    }),
  );
});

test('the examples of the quick profile run split as two cores want them', () => {
  // 726 clean-correct images at batch 250: four chunks, not 250 + 250 + 226.
  assert.deepEqual(
    ensembleChunks(
      Array.from({ length: 726 }, (_, i) => i),
      250,
    ).map((c) => c.length),
    [182, 182, 181, 181],
  );
  // A handful: one chunk, however the pool is set.
  assert.deepEqual(ensembleChunks([4, 9, 11], 250), [[4, 9, 11]]);
  assert.throws(() => ensembleChunks([1], 0), /batchSize must be a whole number ≥ 1, got 0/);
});
