/**
 * The CIFAR-10 profiles end to end on a stand-in in CIFAR-10's binary format: every step of
 * `reproduce` (trainings, the four constructions on 32×32×3 images, evaluations), results.json with
 * the profile's CIFAR-10 threat model, results.md and what the Results panel reads.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { reproduce } from '../../../src/engine/reproduce/pipeline';
import { profileFor, type ReproduceProfile } from '../../../src/engine/formats/profiles';
import { readDatasetManifest } from '../../../src/engine/formats/constructed';
import { readManifest } from '../../../src/engine/models/checkpoint';
import { readResultsFolder } from '../../../src/extension/panels/resultsData';
import { writeCifarStandIn } from '../../helpers/cifarStandIn';

before(async () => {
  await initBackend('wasm');
});

/**
 * Both profiles: quick (the cnn) in both threat models, full (the small ResNet, the paper's model
 * family on CIFAR-10) in L2 only, the threat model being the profiles' shared code path.
 */
// The ResNet's batch norm needs more than the cnn's handful of steps before its moving statistics
// serve at test time: smaller batches give it 30 steps on 100 images.
const CASES = [
  { name: 'quick', norm: 'l2', model: 'cnn', trainLimit: 200, batchSize: 128 },
  { name: 'quick', norm: 'linf', model: 'cnn', trainLimit: 200, batchSize: 128 },
  { name: 'full', norm: 'l2', model: 'resnet', trainLimit: 100, batchSize: 10 },
] as const;

for (const { name, norm, model, trainLimit, batchSize } of CASES) {
  test(`CIFAR-10 ${name} profile (${norm}, ${model}) on a stand-in: every step, results.json, results.md and the panel's data`, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-cifar-'));
    const data = writeCifarStandIn(path.join(tmp, 'cifar'), 60, 100);
    const chosen = profileFor(name, data, norm);
    // The profile's settings, with sizes cut to seconds.
    const profile: ReproduceProfile = {
      ...chosen,
      trainLimit,
      batchSize,
      testLimit: 60,
      epochs: 3,
      constructedEpochs: 1,
      optimizer: { name: 'adam', lr: 1e-3 },
      adversarial: { ...chosen.adversarial, steps: 2 },
      evaluation: { ...chosen.evaluation, steps: 3 },
      inversion: { ...chosen.inversion, steps: 3 },
      relabel: { ...chosen.relabel, steps: 5 },
    };
    assert.equal(chosen.model, model);
    const out = path.join(tmp, 'run');
    const r = await reproduce({ profile, data, out });
    // The paper's CIFAR-10 threat models: L2 evaluated at 0.25 (trained at 0.5); L∞ at 4/255 (8/255).
    assert.deepEqual(
      r.threatModel,
      norm === 'l2' ? { norm, eps: 0.25, steps: 3 } : { norm, eps: 4 / 255, steps: 3 },
    );
    for (const kind of ['robust', 'nonrobust', 'rand', 'det']) {
      const m = readDatasetManifest(path.join(out, `D_${kind}`));
      assert.ok(m, `D_${kind} built`);
      assert.deepEqual(m.shape, [trainLimit, 32, 32, 3]);
    }
    if (norm === 'linf') {
      const build = JSON.parse(fs.readFileSync(path.join(out, 'D_rand', 'build.json'), 'utf8')) as {
        norm: string;
        eps: number;
      };
      assert.equal(build.norm, 'linf');
      assert.ok(Math.abs(build.eps - 8 / 255) < 1e-12);
    }
    // The stand-in's classes are learnable: a pipeline that mixed up pixels or labels would not be.
    assert.ok(r.figure2.standard_D.standardAcc > 0.3, JSON.stringify(r.figure2));
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.match(
      md,
      new RegExp(`— ${data.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, profile ${name}`),
    );
    assert.match(md, norm === 'l2' ? /L2 PGD-3, ε = 0\.25/ : /L∞ PGD-3, ε = 4\/255/);
    // The paper's robust column is L2: an L∞ table says so beside it.
    assert.equal(/The paper's robust column is its L2 figure/.test(md), norm === 'linf');
    const panel = readResultsFolder(out);
    assert.deepEqual(panel.results?.figure2, r.figure2);
    assert.equal(panel.results?.threatModel.norm, norm);
    assert.deepEqual(panel.checkpoints.map((c) => c.name).sort(), [
      'adversarial_D',
      'standard_D',
      'standard_DNR',
      'standard_DR',
      'standard_Ddet',
      'standard_Drand',
    ]);
    // Every model of the run is the profile's architecture, on 32×32×3 inputs.
    for (const c of panel.checkpoints) {
      const m = readManifest(path.join(out, c.name));
      assert.equal(m.arch, model, c.name);
      assert.deepEqual(m.inputShape, [32, 32, 3], c.name);
    }
    // Accuracy vs ε comes from each checkpoint's eval.json, at the profile's ε.
    const curve = panel.checkpoints.find((c) => c.name === 'adversarial_D')?.curve;
    assert.deepEqual(
      curve?.map((p) => p.eps),
      [0, r.threatModel.eps],
    );
  });
}
