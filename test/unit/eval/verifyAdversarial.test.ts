/**
 * The ensemble's own check of its adversarial points (verifyAdversarial.ts, adversarialPoints.ts),
 * on the attack tests' 4×4 bands task and a dense net trained on it:
 * - APGD's points pass; the same points pushed out of the ε-ball or the box, with a NaN, or the
 *   clean images fail, each with its reason; float32 rounding on the sphere passes;
 * - on a deterministic model every point the ensemble keeps holds, and the robust accuracy is
 *   exactly the clean-correct examples without a held point;
 * - on a model that adds fresh noise at every call (a randomised defence evaluated as if it were
 *   deterministic) the attacks' claims do not all hold on a second look: they are rejected, the
 *   examples count as robust, and the warnings say so, in the record `eval --attack` writes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { apgdAttack } from '../../../src/engine/attacks/apgdAttack';
import { verifyPoints, VERIFY_TOLERANCE } from '../../../src/engine/eval/verifyAdversarial';
import { evaluateEnsemble, standardBudget } from '../../../src/engine/eval/autoattack';
import { evaluateWithAttack } from '../../../src/engine/eval/attackEval';
import type { LogitsFn } from '../../../src/engine/eval/accuracy';
import type { Dataset } from '../../../src/engine/types';
import { bandsTask, CLASSES, D, H, trainedNet, W, type DenseNet } from '../attacks/helpers';

let net: DenseNet;
let ds: Dataset;

before(async () => {
  await initBackend('cpu');
  net = trainedNet(1, 60);
  const t = bandsTask(60, 7);
  ds = { ...t, shape: [60, H, W, 1], numClasses: CLASSES, source: 'bands task' };
});

test('a point holds only if misclassified, in the ε-ball, in [0, 1] and a number', async () => {
  const eps = 0.35;
  const x = tf.tensor4d(ds.images, ds.shape);
  const y = tf.tensor1d(ds.labels, 'int32');
  const r = await apgdAttack(net.model, x, y, {
    norm: 'linf',
    eps,
    iterations: 20,
    restarts: 1,
    loss: 'ce',
    seed: 3,
  });
  const adv = (await r.adv.data()) as Float32Array;
  tf.dispose([x, y, r.adv]);
  const broken = r.success.flatMap((s, i) => (s ? [i] : []));
  assert.ok(broken.length >= 10, `APGD broke ${broken.length} of 60`);
  const pick = (rows: Float32Array, idx: number[]) => {
    const out = new Float32Array(idx.length * D);
    idx.forEach((i, m) => out.set(rows.subarray(i * D, (i + 1) * D), m * D));
    return out;
  };
  const clean = pick(ds.images, broken);
  const points = pick(adv, broken);
  const labels = Int32Array.from(broken, (i) => ds.labels[i]!);
  const shape: [number, number, number, number] = [broken.length, H, W, 1];
  const verify = (a: Float32Array) =>
    verifyPoints(net.model, { clean, adv: a, labels, shape }, 'linf', eps, 50);
  assert.deepEqual(await verify(points), new Array(broken.length).fill(undefined));

  // Row 0 one value 1% beyond ε; row 1 the clean image; row 2 a NaN; row 3 a value above 1
  // (on a pixel whose clean value leaves room within ε); row 4 exactly ε plus float rounding.
  const bad = points.slice();
  const d0 = bad[0]! - clean[0]!;
  bad[0] = clean[0]! + Math.sign(d0 || 1) * eps * 1.01;
  bad.set(clean.subarray(D, 2 * D), D);
  bad[2 * D + 3] = NaN;
  const k = [...clean.subarray(3 * D, 4 * D)].findIndex((v) => v > 1 - eps + 0.01);
  assert.ok(k >= 0, 'row 3 has a bright pixel');
  bad[3 * D + k] = 1.001;
  for (let j = 4 * D; j < 5 * D; j++) {
    const d = bad[j]! - clean[j]!;
    const v = clean[j]! + Math.sign(d) * (eps + VERIFY_TOLERANCE / 2);
    if (Math.abs(d) > eps - 1e-6 && v >= 0 && v <= 1) bad[j] = v;
  }
  const faults = await verify(bad);
  assert.equal(faults[0], 'outside the ε-ball');
  assert.equal(faults[1], 'classified correctly');
  assert.equal(faults[2], 'not a number');
  assert.equal(faults[3], 'outside [0, 1]');
  assert.equal(faults[4], undefined, 'within the float tolerance');
  assert.deepEqual(faults.slice(5), new Array(broken.length - 5).fill(undefined));
});

const plan = [
  { ...standardBudget('apgd-ce', CLASSES), iterations: 15 },
  { ...standardBudget('square', CLASSES), queries: 60 },
];

test('a deterministic model: every kept point holds, robust = clean-correct minus held', async () => {
  const r = await evaluateEnsemble(net.model, ds, {
    norm: 'linf',
    eps: 0.3,
    attacks: plan,
    seed: 2,
    batchSize: 25,
  });
  assert.deepEqual(r.warnings, []);
  assert.ok(r.check.points > 5, `${r.check.points} points`);
  assert.equal(r.check.held, r.check.points);
  assert.deepEqual(
    r.attacks.map((a) => a.rejected),
    [0, 0],
  );
  assert.equal(Math.round(r.robustAcc * r.n), Math.round(r.standardAcc * r.n) - r.check.held);
});

test('a model with fresh noise at every call: claims that do not hold count as robust, loudly', async () => {
  let calls = 0;
  // Seeded per call, so the run repeats; σ is of the order of the margins near the boundary.
  const noisy: LogitsFn = (x) =>
    tf.tidy(() =>
      tf.add(net.model(x), tf.randomNormal([x.shape[0], CLASSES], 0, 1.5, 'float32', ++calls)),
    );
  const r = await evaluateEnsemble(noisy, ds, {
    norm: 'linf',
    eps: 0.3,
    attacks: plan,
    seed: 2,
    batchSize: 25,
  });
  const rejected = r.attacks.reduce((s, a) => s + a.rejected, 0);
  const dropped = r.check.points - r.check.held;
  console.log(JSON.stringify({ rejected, check: r.check, warnings: r.warnings }));
  assert.ok(rejected + dropped > 0, 'some claims did not hold');
  assert.ok(r.warnings.length > 0);
  for (const w of r.warnings)
    assert.match(
      w,
      /(APGD-CE|Square) \(.*\) at ε=0\.3, batch \d: \d+ of \d+ adversarial points do not hold \(\d+ classified correctly\) on the model's own check; those examples stay robust for the next attack|^final check at ε=0\.3: \d+ of \d+ adversarial points do not hold .* those examples count as robust$/,
    );
  // The figure counts only the points that held at the end.
  assert.equal(Math.round(r.robustAcc * r.n), Math.round(r.standardAcc * r.n) - r.check.held);

  // What `eval --attack` records in metrics.json and prints: the check and its warnings.
  const e = await evaluateWithAttack(noisy, ds, {
    attack: 'apgd-ce',
    norm: 'linf',
    eps: [0.3],
    seed: 2,
    batchSize: 30,
  });
  const rec = e.byEps['0.3']!;
  assert.ok(rec.check && rec.check.held <= rec.check.points);
  assert.ok(rec.warnings?.some((w) => /adversarial points do not hold/.test(w)));
  assert.deepEqual(e.warnings, rec.warnings);
});
