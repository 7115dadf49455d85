import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { ARCHS, buildModel, parseArch } from '../../../src/engine/models/registry';

before(async () => {
  await initBackend('wasm');
});

for (const arch of ARCHS) {
  test(`${arch}: logits and representation shapes follow the input shape`, () => {
    for (const inputShape of [
      [28, 28, 1],
      [32, 32, 3],
    ] as [number, number, number][]) {
      const b = buildModel(arch, { inputShape, numClasses: 10, seed: 1 });
      const x = tf.randomUniform([2, ...inputShape]);
      const logits = b.model.apply(x) as tf.Tensor;
      const rep = b.representation.apply(x) as tf.Tensor;
      assert.deepEqual(logits.shape, [2, 10]);
      assert.equal(rep.shape.length, 2);
      // g(x) is exactly the input of the final linear layer: logits = g(x)·W + b.
      const [W, bias] = b.model.getLayer('logits').getWeights() as [tf.Tensor2D, tf.Tensor1D];
      const again = tf.add(tf.matMul(rep as tf.Tensor2D, W), bias);
      assert.ok((tf.max(tf.abs(tf.sub(again, logits))).arraySync() as number) < 1e-4);
      tf.dispose([x, logits, rep, again]);
      b.model.dispose();
    }
  });
}

test('the same seed gives the same initial weights; another seed does not', () => {
  const w = (seed: number) =>
    buildModel('cnn', { inputShape: [28, 28, 1], numClasses: 10, seed })
      .model.getWeights()
      .map((t) => Array.from(t.dataSync().slice(0, 20)));
  assert.deepEqual(w(3), w(3));
  assert.notDeepEqual(w(3), w(4));
});

test('parseArch rejects an unknown name with the list of known ones', () => {
  assert.throws(
    () => parseArch('resnet50'),
    /Unknown model 'resnet50': expected one of mlp, cnn, resnet, vgg, densenet, inception, cnn-wide, resnet-deep/,
  );
});
