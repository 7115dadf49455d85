/**
 * The Winograd tiles' matrices (src/engine/kernels/conv/winogradTiles.ts) in float64, without
 * the wasm loops: each computes a 3×3 correlation exactly; the tile chooser's picks; the chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  chooseTile,
  F2,
  F4,
  transpose,
  twoSided,
} from '../../../src/engine/kernels/conv/winogradTiles';
import { chunkImages, chunkUnit } from '../../../src/engine/kernels/conv/winograd';
import { imageParts } from '../../../src/engine/kernels/threads/loopThreads';

const planes = (m: number[]) => m.map((v) => [v]);
const tileArb = (side: number) =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: side, maxLength: side });

for (const t of [F2, F4]) {
  test(`F(${t.m}×${t.m},3×3): Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the 3×3 correlation of d and g`, () => {
    fc.assert(
      fc.property(tileArb(t.alpha ** 2), tileArb(9), (d, g) => {
        const u = twoSided(t.g, planes(g), 1);
        const v = twoSided(t.bt, planes(d), 1);
        const y = twoSided(
          t.at,
          u.map((p, k) => [p[0]! * v[k]![0]!]),
          1,
        );
        for (let i = 0; i < t.m; i++)
          for (let j = 0; j < t.m; j++) {
            let direct = 0;
            for (let a = 0; a < 3; a++)
              for (let b = 0; b < 3; b++) direct += d[(i + a) * t.alpha + j + b]! * g[3 * a + b]!;
            assert.ok(Math.abs(y[i * t.m + j]![0]! - direct) < 1e-9, `output (${i}, ${j})`);
          }
      }),
      { numRuns: 200, seed: 7 },
    );
  });
}

test('twoSided over planes equals it entry by entry', () => {
  fc.assert(
    fc.property(tileArb(36 * 3), (values) => {
      const x = Array.from({ length: 36 }, (_, k) => values.slice(3 * k, 3 * k + 3));
      const whole = twoSided(transpose(F4.g), x, 3);
      for (let e = 0; e < 3; e++) {
        const one = twoSided(
          transpose(F4.g),
          x.map((p) => [p[e]!]),
          1,
        );
        one.forEach((p, k) => assert.ok(Math.abs(p[0]! - whole[k]![e]!) < 1e-12));
      }
    }),
    { numRuns: 50, seed: 8 },
  );
});

test('the chooser takes F(4×4) where 4×4 tiles waste little of the output, else F(2×2)', () => {
  const pick = (s: number, pass: 'forward' | 'filter') => chooseTile(s, s, pass).m;
  for (const pass of ['forward', 'filter'] as const) {
    assert.deepEqual(
      [28, 32, 16, 8, 7, 4, 3].map((s) => pick(s, pass)),
      [4, 4, 4, 4, 4, 4, 4],
    );
    assert.deepEqual(
      [6, 5, 2].map((s) => pick(s, pass)),
      [2, 2, 2],
    );
  }
  // 14×14: F(2×2) for the forward pass, F(4×4) for the filter gradient.
  assert.deepEqual([pick(14, 'forward'), pick(14, 'filter')], [2, 4]);
});

test('Winograd chunks split evenly across threads and keep to the scratch limit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 256 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1000, max: 600_000 }),
      (n, tiles, threads, perImage) => {
        const unit = chunkUnit(tiles, threads);
        const chunk = chunkImages(n, perImage, unit);
        const limit = Math.floor((2 * 1024 * 1024) / perImage);
        assert.ok(chunk >= 1 && chunk <= n);
        // Whole units within the limit, or a single unit (or all n) where the limit is below it.
        if (chunk < n) assert.equal(chunk % unit, 0);
        assert.ok(chunk <= Math.max(limit, unit));
        if (chunk < n) {
          const sizes = imageParts(chunk, tiles, threads).map(([a, b]) => b - a);
          assert.equal(sizes.length, threads);
          assert.ok(sizes.every((s) => s === sizes[0]));
        }
      },
    ),
    { numRuns: 300, seed: 9 },
  );
});
