/**
 * Saved names do not depend on what the process built before (models/canonicalNames.ts): a model
 * saved after others were built is the same model.json, byte for byte, as in a fresh process, and
 * loads back to the same outputs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../src/engine/backend/ladder';
import { ARCHS, buildModel } from '../../../src/engine/models/registry';
import { loadCheckpoint, serializeModel } from '../../../src/engine/models/checkpoint';
import { writeCheckpointFolder } from '../../helpers/checkpoint';

before(async () => {
  await initBackend('wasm');
});

const spec = { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10, seed: 2 };

for (const arch of ARCHS)
  test(`${arch}: model.json is the same whatever was built before it, and loads back`, async () => {
    const first = buildModel(arch, spec);
    const a = await serializeModel(first.model);
    // Others of every kind in between: tfjs-layers' name counters and tfjs-core's variable names move on.
    const others = ARCHS.map((o) => buildModel(o, spec));
    const second = buildModel(arch, spec);
    assert.notEqual(
      second.model.layers.map((l) => l.name).join(),
      first.model.layers.map((l) => l.name).join(),
      'tfjs named the second build differently',
    );
    const b = await serializeModel(second.model);
    assert.equal(b.json, a.json);
    assert.ok(b.weights.equals(a.weights));
    const names = (
      JSON.parse(b.json) as { weightsManifest: { weights: { name: string }[] }[] }
    ).weightsManifest[0]!.weights.map((w) => w.name);
    assert.equal(new Set(names).size, names.length, 'weight names stay unique');
    assert.ok(
      names.some((n) => n.startsWith('logits/')),
      'explicit names are kept',
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-names-'));
    await writeCheckpointFolder(dir, second.model, {
      arch,
      inputShape: spec.inputShape,
      numClasses: 10,
      dataset: 'fashion-mnist',
      seed: 2,
    });
    const loaded = await loadCheckpoint(dir);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1);
    const [p, q] = [second.model.predict(x) as tf.Tensor, loaded.model.predict(x) as tf.Tensor];
    assert.deepEqual(await q.data(), await p.data());
    tf.dispose([x, p, q]);
    [first, second, ...others].forEach((m) => m.model.dispose());
    loaded.model.dispose();
  });

// A layer's old name can be another layer's new one (conv2d_Conv2D2 → 1, conv2d_Conv2D3 → 2, as in a
// process that built one convolution before): each name is renamed once, not along the chain.
test("names are renamed once where an old name is another layer's new one", async () => {
  const conv = (name: string) =>
    tfl.layers.conv2d({ name, filters: 2, kernelSize: 3, padding: 'same' });
  const model = tfl.sequential({
    layers: [
      tfl.layers.inputLayer({ inputShape: [6, 6, 1], name: 'image' }),
      conv('conv2d_Conv2D2'),
      conv('conv2d_Conv2D3'),
    ],
  });
  const { json } = await serializeModel(model);
  const names = (
    JSON.parse(json) as { weightsManifest: { weights: { name: string }[] }[] }
  ).weightsManifest[0]!.weights.map((w) => w.name);
  assert.deepEqual(names, [
    'conv2d_Conv2D1/kernel',
    'conv2d_Conv2D1/bias',
    'conv2d_Conv2D2/kernel',
    'conv2d_Conv2D2/bias',
  ]);
  model.dispose();
});
