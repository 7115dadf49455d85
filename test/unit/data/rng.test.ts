import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { makeRng, permutation } from '../../../src/engine/formats/rng';

test('rng is deterministic per seed and differs across seeds', () => {
  const seq = (s: number): number[] => Array.from({ length: 5 }, makeRng(s).next);
  assert.deepEqual(seq(42), seq(42));
  assert.notDeepEqual(seq(0), seq(1));
  assert.notDeepEqual(seq(0), seq(0.5));
  assert.notDeepEqual(seq(0), seq(2 ** 32));
  assert.throws(() => makeRng(NaN), RangeError);
});

test('rng distributions: next in [0,1), int uniform, normal moments, shuffle is a permutation', () => {
  const r = makeRng(7);
  const N = 20000;
  const counts = new Array<number>(6).fill(0);
  let sum = 0,
    sumSq = 0;
  for (let i = 0; i < N; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    counts[r.int(6)]!++;
    const z = r.normal();
    sum += z;
    sumSq += z * z;
  }
  for (const c of counts)
    assert.ok(Math.abs(c - N / 6) < 5 * Math.sqrt(N / 6), `int(6) counts ${counts.join(',')}`);
  assert.ok(Math.abs(sum / N) < 0.05);
  assert.ok(Math.abs(sumSq / N - 1) < 0.05);
  const p = permutation(1000, makeRng(3));
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(p, permutation(1000, makeRng(3)));
  const arr = ['a', 'b', 'c'];
  assert.equal(makeRng(1).shuffle(arr), arr);
  assert.throws(() => r.int(0), RangeError);
  const f = makeRng(9);
  assert.notDeepEqual(
    Array.from({ length: 3 }, f.fork().next),
    Array.from({ length: 3 }, f.fork().next),
  );
});
