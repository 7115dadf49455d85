/** Figure 3's statistics: values checked against scipy.stats, bootstrap intervals seeded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapCorrelation,
  pearsonR,
  ranks,
  spearmanRho,
} from '../../../src/engine/transfer/correlation';
import { targetedRate, untargetedRate } from '../../../src/engine/transfer/transfer';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) < tol, `${a} ≠ ${b}`);

test('Pearson and Spearman (with ties) match scipy.stats on the same numbers', () => {
  // scipy 1.x: pearsonr → 0.2096553190730121, spearmanr → 0.19885368120992467
  const x = [3, 1, 4, 1, 5, 9, 2, 6];
  const y = [2, 7, 1, 8, 2, 8, 1, 8];
  close(pearsonR(x, y), 0.2096553190730121);
  close(spearmanRho(x, y), 0.19885368120992467);
  assert.deepEqual(ranks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  // Monotone but not linear: Spearman 1, Pearson below it.
  const cube = [1, 2, 3, 4, 5].map((v) => v ** 3);
  close(spearmanRho([1, 2, 3, 4, 5], cube), 1);
  assert.ok(pearsonR([1, 2, 3, 4, 5], cube) < 0.99);
  assert.ok(Number.isNaN(pearsonR([1, 1, 1], [1, 2, 3])), 'constant variable: no correlation');
});

test('the bootstrap interval holds r, narrows with agreement, is seeded, and leaves out constant resamples', () => {
  // scipy: pearsonr → 0.9497060675220661 on these six points.
  const x = [0.71, 0.62, 0.8, 0.55, 0.66, 0.74];
  const y = [0.4, 0.31, 0.52, 0.3, 0.33, 0.45];
  const a = bootstrapCorrelation(x, y, pearsonR, { resamples: 2000, seed: 7 });
  close(a.r, 0.9497060675220661);
  assert.ok(a.ci[0] <= a.r && a.r <= a.ci[1], JSON.stringify(a));
  assert.ok(a.ci[0] > 0.5, 'six points in near agreement give a clearly positive interval');
  assert.deepEqual(bootstrapCorrelation(x, y, pearsonR, { resamples: 2000, seed: 7 }), a);
  assert.notDeepEqual(bootstrapCorrelation(x, y, pearsonR, { resamples: 2000, seed: 8 }).ci, a.ci);
  // Unrelated points: the interval spans zero.
  const u = bootstrapCorrelation([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8], spearmanRho, {
    resamples: 2000,
    seed: 7,
  });
  assert.ok(u.ci[0] < 0 && u.ci[1] > 0, JSON.stringify(u.ci));
  // x constant unless the resample draws the 4th point: (3/4)^4 ≈ 32% of resamples have no r.
  const d = bootstrapCorrelation([0, 0, 0, 1], [1, 2, 3, 4], pearsonR, {
    resamples: 2000,
    seed: 1,
  });
  assert.ok(d.degenerate > 500 && d.degenerate < 770, String(d.degenerate));
  assert.ok(d.ci.every(Number.isFinite));
});

test('transfer rates: untargeted over images the model got right clean, targeted over target ≠ label', () => {
  const labels = [0, 1, 2, 3];
  // Clean: right on 0, 1, 2. After the attack: 1 and 2 fooled, 0 not; 3 was wrong already.
  close(untargetedRate([0, 1, 2, 0], [0, 5, 6, 3], labels), 2 / 3);
  // Targets: image 3's target is its label (not counted); 0 and 2 hit their targets.
  close(targetedRate([4, 1, 7, 3], [4, 2, 7, 3], labels), 2 / 3);
});

test('two points make no correlation: r and its interval are undefined, not ±1 [±1, ±1]', () => {
  assert.equal(pearsonR([0.2, 0.6], [0.1, 0.9]), 1, 'two points always lie on a line');
  const two = bootstrapCorrelation([0.2, 0.6], [0.1, 0.9], pearsonR, { resamples: 500, seed: 1 });
  assert.ok(Number.isNaN(two.r) && two.ci.every(Number.isNaN), JSON.stringify(two));
  assert.equal(two.resamples, 0);
  const three = bootstrapCorrelation([0.2, 0.6, 0.4], [0.1, 0.9, 0.3], pearsonR, {
    resamples: 500,
    seed: 1,
  });
  assert.ok(Number.isFinite(three.r) && three.r > 0 && three.r < 1, JSON.stringify(three));
});
