/**
 * How loopThreads.ts splits work: ranges cover the whole count exactly once, in order, with
 * aligned inner boundaries, and stay whole when the work is too small to be worth a second
 * thread. (That split kernels give the same bytes on 1 and 2 threads, and that a helper's trap
 * surfaces as an error, is checked in threads.test.ts, which needs the threaded build.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  imageParts,
  PARALLEL_MIN,
  splitRange,
} from '../../../src/engine/kernels/threads/loopThreads';

test('splitRange covers [0, count) in order, aligned, at most `parts` pieces', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(1, 4, 8),
      fc.integer({ min: 1, max: 100_000 }),
      (count, parts, align, minPer) => {
        const r = splitRange(count, parts, align, minPer);
        assert.ok(r.length <= parts);
        let at = 0;
        for (const [a, b] of r) {
          assert.equal(a, at);
          assert.ok(b > a);
          if (b !== count) assert.equal(b % align, 0);
          at = b;
        }
        assert.equal(at, count === 0 ? 0 : count);
        if (count < 2 * minPer) assert.ok(r.length <= 1);
      },
    ),
    { numRuns: 300, seed: 61 },
  );
  assert.deepEqual(splitRange(4 * PARALLEL_MIN, 2, 4), [
    [0, 2 * PARALLEL_MIN],
    [2 * PARALLEL_MIN, 4 * PARALLEL_MIN],
  ]);
  assert.deepEqual(splitRange(1000, 2, 4), [[0, 1000]]);
});

test('imageParts starts every part on a row (image × tiles) that is a multiple of 4', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 4 }),
      (n, tiles, parts) => {
        const r = imageParts(n, tiles, parts);
        let at = 0;
        for (const [a, b] of r) {
          assert.equal(a, at);
          assert.ok(b > a);
          assert.equal((a * tiles) % 4, 0);
          at = b;
        }
        assert.equal(at, n);
        assert.ok(r.length >= 1 && r.length <= parts);
      },
    ),
    { numRuns: 300, seed: 62 },
  );
});
