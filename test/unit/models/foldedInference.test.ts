/**
 * Batch norm folded into the convolutions in inference mode (models/foldedInference.ts): on cpu
 * and on wasm with our kernels, the folded ResNet (whole model, its representation and the
 * inversion's g) gives the unfolded model's logits and input gradients to float32 rounding, runs
 * no batch-norm kernel, and a model without batch norm takes the stock path bit for bit. The
 * thread-count case is in kernels/threadCases.ts (foldedResnet).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { relErr, setupBackends } from '../kernels/helpers';
import { setWinogradTile } from '../../../src/engine/kernels/conv/winograd';
import { buildModel, type ArchName } from '../../../src/engine/models/registry';
import { foldedInferenceOn, inferenceApply } from '../../../src/engine/models/foldedInference';
import { inversionRepresentation } from '../../../src/engine/models/inversionRep';
import { randomisedModel } from './randomisedModel';

before(setupBackends);

/** Outputs and the gradient of Σ out·r with respect to x, folded or not. */
function outAndGrad(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  folded: boolean,
): [Float32Array, Float32Array] {
  foldedInferenceOn.on = folded;
  try {
    return tf.tidy(() => {
      const y = f(x);
      const r = tf.randomUniform(y.shape, -1, 1, 'float32', 9);
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), r)))(x);
      return [y.dataSync() as Float32Array, g.dataSync() as Float32Array];
    });
  } finally {
    foldedInferenceOn.on = true;
  }
}

test('folded ResNet inference matches the unfolded model (logits, representation, inversion g; input gradients) on cpu and wasm', async () => {
  const arb = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 6, max: 10 }),
    c: fc.constantFrom(1, 3),
    seed: fc.nat(1000),
  });
  // On wasm the convolutions run Winograd F(2×2): the bounds below are float32 rounding of its
  // transforms. F(4×4)'s, which the chooser takes at these small sizes, round up to ~8e-6
  // (winograd.test.ts bounds them against cpu), and the folded and unfolded weights round apart
  // by up to ~3e-6 in the logits; what this test checks, the folding, is the same for any tile.
  setWinogradTile(2);
  try {
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      fc.assert(
        fc.property(arb, ({ n, h, c, seed }) => {
          const built = randomisedModel('resnet', [h, h, c], seed);
          const x = tf.randomUniform([n, h, h, c], 0, 1, 'float32', seed);
          const g = inversionRepresentation(built, true).g;
          const fns: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
            ['logits', (xx) => inferenceApply(built.model, xx)],
            ['representation', (xx) => inferenceApply(built.representation, xx)],
            ['inversion g', (xx) => g(xx as tf.Tensor4D)],
          ];
          for (const [what, f] of fns) {
            const [y0, g0] = outAndGrad(f, x, false);
            const [y1, g1] = outAndGrad(f, x, true);
            assert.ok(
              relErr(y1, y0) < 2e-6,
              `${backend} ${what}: outputs differ ${relErr(y1, y0)}`,
            );
            assert.ok(
              relErr(g1, g0) < 2e-5,
              `${backend} ${what}: gradients differ ${relErr(g1, g0)}`,
            );
          }
          tf.dispose([x, ...built.model.weights.map((w) => w.read())]);
        }),
        { numRuns: 3 },
      );
    }
  } finally {
    setWinogradTile();
  }
});

test('folded ResNet inference runs no batch-norm kernel, fewer ReLU passes, and leaks no tensor', async () => {
  await tf.setBackend('wasm');
  const built = randomisedModel('resnet', [12, 12, 3], 1);
  const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 2);
  const kernels = async (folded: boolean) => {
    foldedInferenceOn.on = folded;
    const p = await tf.profile(() => inferenceApply(built.model, x));
    foldedInferenceOn.on = true;
    const count = (name: string) => p.kernels.filter((k) => k.name === name).length;
    return { bn: count('FusedBatchNorm'), relu: count('Relu') };
  };
  const [off, on] = [await kernels(false), await kernels(true)];
  // Nothing is left behind by a folded forward and its input gradient (the folded weights are
  // made per call).
  const before = tf.memory().numTensors;
  tf.dispose(tf.grad((xx: tf.Tensor) => tf.sum(inferenceApply(built.model, xx)))(x));
  assert.equal(tf.memory().numTensors, before);
  // 9 convolutions (stem, 2 per block, 2 projections) each with its batch norm; the ReLUs right
  // after a batch norm (stem and each block's first convolution) fold, those after the residual
  // adds stay.
  assert.equal(off.bn, 9);
  assert.equal(on.bn, 0);
  assert.equal(off.relu, 7);
  assert.equal(on.relu, 3);
  tf.dispose([x, ...built.model.weights.map((w) => w.read())]);
});

for (const arch of ['cnn', 'vgg', 'mlp'] as ArchName[]) {
  test(`${arch} (no batch norm) takes the stock path: the same bytes folded or not`, async () => {
    await tf.setBackend('wasm');
    const built = buildModel(arch, { inputShape: [12, 12, 3], numClasses: 10, seed: 2 });
    const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 3);
    const f = (xx: tf.Tensor) => inferenceApply(built.model, xx);
    const [y0, g0] = outAndGrad(f, x, false);
    const [y1, g1] = outAndGrad(f, x, true);
    assert.deepEqual(Buffer.from(y1.buffer), Buffer.from(y0.buffer));
    assert.deepEqual(Buffer.from(g1.buffer), Buffer.from(g0.buffer));
    tf.dispose([x, ...built.model.weights.map((w) => w.read())]);
  });
}
