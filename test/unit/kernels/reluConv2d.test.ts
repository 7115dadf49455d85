/**
 * ReluConv2D (models/reluConv2d.ts): a ReLU convolution run as one FusedConv2D kernel under a
 * gradient, with the FusedConv2D gradient of kernels/gradients/fusedConv2D.ts. Against tfjs-layers' own Conv2D
 * (which tfjs-core un-fuses into Conv2D, Add, Relu there), same weights, on cpu and on wasm with
 * our kernels (Winograd at ≥ 8 channels in): outputs and the gradients with respect to the input,
 * the kernel and the bias agree to float32 rounding; a serialised layer loads back as ReluConv2D
 * with the stock class name; the input gradient is not computed when nothing asks for it.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { rand, relErr, setupBackends } from './helpers';
import { ReluConv2D, linearConv2d, reluConv2d } from '../../../src/engine/models/reluConv2d';

before(setupBackends);

type Case = {
  n: number;
  h: number;
  c: number;
  f: number;
  strides: number;
  padding: 'same' | 'valid';
  useBias: boolean;
  activation: 'relu' | 'linear';
  seed: number;
};

/** Loss Σ y·r (r fixed) and its gradients with respect to x, kernel and bias, for one layer. */
function run(
  layer: tfl.layers.Layer,
  x: tf.Tensor4D,
  r: (shape: number[]) => tf.Tensor,
): Float32Array[] {
  return tf.tidy(() => {
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const f = (xx: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, r((layer.apply(xx) as tf.Tensor).shape)));
    const y = layer.apply(x) as tf.Tensor;
    const dx = tf.grad(f)(x);
    const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, vars);
    return [y, dx, ...vars.map((v) => grads[v.name]!)].map((t) => t.dataSync() as Float32Array);
  });
}

test('ReluConv2D (relu or linear) matches tfjs-layers Conv2D (outputs; gradients of input, kernel, bias) on cpu and wasm', async () => {
  const caseArb = fc.record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 4, max: 12 }),
    c: fc.constantFrom(1, 3, 8, 16),
    f: fc.constantFrom(4, 8, 12),
    strides: fc.constantFrom(1, 2),
    padding: fc.constantFrom('same' as const, 'valid' as const),
    useBias: fc.boolean(),
    activation: fc.constantFrom('relu' as const, 'linear' as const),
    seed: fc.nat(1000),
  });
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    fc.assert(
      fc.property(caseArb, (k: Case) => {
        const args = {
          filters: k.f,
          kernelSize: 3,
          strides: k.strides,
          padding: k.padding,
          useBias: k.useBias,
          inputShape: [k.h, k.h, k.c],
        };
        const [ours, stock] = [
          k.activation === 'relu' ? reluConv2d(args) : linearConv2d(args),
          tfl.layers.conv2d({ ...args, activation: k.activation }),
        ];
        const x = tf.tensor4d(rand([k.n, k.h, k.h, k.c], k.seed), [k.n, k.h, k.h, k.c]);
        ours.build([null, k.h, k.h, k.c]);
        stock.build([null, k.h, k.h, k.c]);
        // Same weights; a positive bias keeps many outputs above zero.
        const w = [
          tf.tensor(rand([3, 3, k.c, k.f], k.seed + 1), [3, 3, k.c, k.f]),
          ...(k.useBias ? [tf.add(tf.tensor(rand([k.f], k.seed + 2)), 0.2)] : []),
        ];
        ours.setWeights(w);
        stock.setWeights(w);
        const r = (shape: number[]) => tf.tensor(rand(shape, k.seed + 3), shape);
        const [a, b] = [run(ours, x, r), run(stock, x, r)];
        assert.equal(a.length, b.length);
        a.forEach((t, i) =>
          assert.ok(
            relErr(t, b[i]!) < 1e-5,
            `${backend} tensor ${i}: ${relErr(t, b[i]!)} in ${JSON.stringify(k)}`,
          ),
        );
        tf.dispose([x, ...w]);
        [...ours.weights, ...stock.weights].forEach((v) => v.dispose());
      }),
      { numRuns: 25, seed: 49 },
    );
  }
  await tf.setBackend('cpu');
});

test('ReluConv2D serialises as Conv2D and loads back as ReluConv2D; the input gradient runs only when asked for', async () => {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    layers: [reluConv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [6, 6, 1] })],
  });
  const json = model.toJSON(null, false) as unknown as {
    config: { layers: { class_name: string }[] };
  };
  assert.equal(json.config.layers[0]!.class_name, 'Conv2D');
  const loaded = await tfl.models.modelFromJSON({ modelTopology: json });
  assert.ok(loaded.layers[0] instanceof ReluConv2D);
  // Weight gradients only: no Conv2DBackpropInput on the profile.
  const x = tf.ones([2, 6, 6, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const prof = await tf.profile(
    () => tf.variableGrads(() => tf.sum<tf.Scalar>(model.apply(x) as tf.Tensor), vars).value,
  );
  const kernels = prof.kernels.map((k) => k.name);
  assert.ok(
    kernels.includes('FusedConv2D') && kernels.includes('Conv2DBackpropFilter'),
    kernels.join(','),
  );
  assert.ok(
    !kernels.includes('Conv2DBackpropInput') &&
      !kernels.includes('Relu') &&
      !kernels.includes('Add'),
    kernels.join(','),
  );
});

test('a linear ReluConv2D computes no filter gradient when only the input gradient is asked for', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const layer = linearConv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false });
    layer.build([null, 6, 6, 8]);
    const x = tf.ones([2, 6, 6, 8]);
    const prof = await tf.profile(() =>
      tf.grad((xx: tf.Tensor) => tf.sum(layer.apply(xx) as tf.Tensor))(x),
    );
    const kernels = prof.kernels.map((k) => k.name);
    assert.ok(kernels.includes('Conv2DBackpropInput'), `${backend}: ${kernels.join(',')}`);
    assert.ok(!kernels.includes('Conv2DBackpropFilter'), `${backend}: ${kernels.join(',')}`);
    tf.dispose([x, ...layer.weights.map((w) => w.read())]);
  }
  await tf.setBackend('cpu');
});
