/**
 * The paper's directions, on a small reproduction of real Fashion-MNIST (the quick profile's
 * recipe at a fraction of its size): adversarial training is more robust than standard training
 * (Figure 2, bars 1–2); standard training on D_R is more robust than on D_NR (bars 3–4); models
 * trained on D_rand and D_det, whose labels look wrong to a human, still beat chance on the
 * original test set (Table 1). Sizes and seed were chosen by measurement (README, "The
 * directions test") so that each gap is several times the noise of 250 test images; each
 * assertion compares numbers that the run computes, and fails when the gap closes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { reproduce } from '../../../src/engine/reproduce/pipeline';
import { profileFor, type ReproduceProfile } from '../../../src/engine/formats/profiles';

before(async () => {
  await initBackend('wasm');
});

const quick = profileFor('quick', 'fashion-mnist');
const DIRECTIONS_PROFILE: ReproduceProfile = {
  ...quick,
  name: 'smoke',
  trainLimit: 800,
  testLimit: 250,
  epochs: 6,
  constructedEpochs: 6,
  optimizer: { name: 'adam', lr: 1e-3 },
  adversarial: { norm: 'l2', eps: 3, steps: 5, optimizer: { name: 'adam', lr: 1e-3 } },
  evaluation: { norm: 'l2', eps: 1.5, steps: 10, restarts: 0 },
  // 40 steps of 0.25 walk as far (10 in pixel L2) as the quick profile's 100 of 0.15.
  inversion: { steps: 40, stepSize: 0.25, start: 'other-image', fakeRelu: true },
  relabel: { norm: 'l2', eps: 3, steps: 15, stepSize: 0.4 },
  seed: 0,
};

test("a small reproduction shows the paper's directions: adversarial > standard and D_R > D_NR in robust accuracy; D_rand and D_det above chance", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-directions-'));
  const r = await reproduce({
    profile: DIRECTIONS_PROFILE,
    data: 'fashion-mnist',
    out,
    poolSize: 2,
  });
  const f = r.figure2;
  const all = JSON.stringify(r);
  assert.ok(f.adversarial_D.robustAcc > f.standard_D.robustAcc + 0.1, all);
  assert.ok(f.standard_DR.robustAcc > f.standard_DNR.robustAcc, all);
  // Chance is 10%; 15% on 250 images is 2.6 standard errors above it.
  assert.ok(r.table1.D_rand.testAcc > 0.15, all);
  assert.ok(r.table1.D_det.testAcc > 0.15, all);
});
