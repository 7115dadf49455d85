import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { ARCHS, buildModel } from '../../../src/engine/models/registry';
import { fakeRelu, inversionRepresentation } from '../../../src/engine/models/inversionRep';

before(async () => {
  await initBackend('wasm');
});

test('fakeRelu: relu forward, identity backward (also where the input is negative)', () => {
  const z = tf.tensor1d([-2, -0.5, 0.5, 3]);
  const w = tf.tensor1d([1, 2, 3, 4]);
  assert.deepEqual(Array.from(fakeRelu(z).dataSync()), [0, 0, 0.5, 3]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeRelu(t), w)))(z);
  assert.deepEqual(Array.from(g.dataSync()), [1, 2, 3, 4]);
  tf.dispose([z, w, g]);
});

const gradOf = (g: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, v: tf.Tensor2D): Float32Array =>
  tf.tidy(
    () =>
      tf
        .grad((xx: tf.Tensor) => tf.sum(tf.mul(g(xx as tf.Tensor4D), v)))(x)
        .dataSync() as Float32Array,
  );

for (const arch of ARCHS) {
  test(`${arch}: the inversion's g has g's values, and its gradient reaches units the ReLU switched off`, () => {
    const b = buildModel(arch, { inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    const x = tf.randomUniform<tf.Rank.R4>([4, 28, 28, 1], 0, 1, 'float32', 5);
    const fake = inversionRepresentation(b, true);
    const exact = inversionRepresentation(b, false);
    assert.equal(fake.fakeRelu, true, `${arch} ends its representation in a ReLU`);
    assert.equal(exact.fakeRelu, false);
    const gx = b.representation.apply(x, { training: false }) as tf.Tensor2D;
    const fx = fake.g(x);
    assert.ok(
      (tf.max(tf.abs(tf.sub(gx, fx))).dataSync()[0] as number) < 1e-5,
      'same forward values',
    );
    const inactive = tf.cast(tf.equal(gx, 0), 'float32') as tf.Tensor2D;
    const nInactive = tf.sum(inactive).dataSync()[0] as number;
    if (nInactive > 0) {
      // A direction made only of switched-off units: the exact gradient is 0, the fake one is not.
      const exactGrad = gradOf(exact.g, x, inactive);
      const fakeGrad = gradOf(fake.g, x, inactive);
      assert.equal(Math.max(...exactGrad.map(Math.abs)), 0);
      assert.ok(Math.max(...fakeGrad.map(Math.abs)) > 1e-6);
    } else {
      // Global pooling (resnet): every pooled unit is on somewhere; the gradients still differ
      // because the spatial positions the ReLU switched off now pass gradient.
      const v = tf.onesLike<tf.Tensor2D>(gx);
      const exactGrad = gradOf(exact.g, x, v);
      const fakeGrad = gradOf(fake.g, x, v);
      const diff = exactGrad.reduce(
        (m, e, i) => Math.max(m, Math.abs(e - (fakeGrad[i] as number))),
        0,
      );
      assert.ok(diff > 1e-6, `${arch}: the fake ReLU changes the gradient`);
      tf.dispose(v);
    }
    tf.dispose([x, gx, fx, inactive]);
    b.model.dispose();
  });
}
