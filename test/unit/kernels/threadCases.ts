/** Kernel calls shared by threads.test.ts and its child process (same inputs in both). */
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { rand } from './helpers';
import { randomisedModel } from '../models/randomisedModel';
import { inferenceApply } from '../../../src/engine/models/foldedInference';

export function wasmDir(): string {
  const pkg = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

export function threadCases(): Record<string, () => tf.Tensor> {
  const t = (shape: number[], seed: number) => tf.tensor(rand(shape, seed), shape);
  const [x, w, dy] = [t([16, 14, 14, 32], 1), t([3, 3, 32, 64], 2), t([16, 14, 14, 64], 3)];
  const c = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
    tf.engine().runKernel<tf.Tensor>(name, inputs, attrs as tf.NamedAttrMap);
  return {
    conv2d: () => run('Conv2D', { x, filter: w }, c),
    dW: () => run('Conv2DBackpropFilter', { x, dy }, { ...c, filterShape: w.shape }),
    dX: () => run('Conv2DBackpropInput', { dy, filter: w }, { ...c, inputShape: x.shape }),
    // 16×16 outputs take Winograd F(4×4) (winogradTiles.ts), the 14×14 ones above F(2×2).
    conv2dF4: () => run('Conv2D', { x: t([9, 16, 16, 32], 64), filter: w }, c),
    dWF4: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([9, 16, 16, 32], 65), dy: t([9, 16, 16, 64], 66) },
        { ...c, filterShape: w.shape },
      ),
    dXF4: () =>
      run(
        'Conv2DBackpropInput',
        { dy: t([9, 16, 16, 64], 67), filter: w },
        { ...c, inputShape: [9, 16, 16, 32] },
      ),
    matMul: () => tf.matMul(t([64, 300], 4), t([300, 40], 5)),
    // Aᵀ·B on our GEMM loop: 5-row blocks of a's adjacent columns, then a 4-row one (44 = 8·5 + 4).
    matMulTA: () => tf.matMul(t([300, 44], 62), t([300, 48], 63), true, false),
    // A's rows of 4 KiB: copied to padded rows, split across threads (batchMatMul.ts).
    matMul4K: () => tf.matMul(t([16, 1024], 70), t([1024, 32], 71)),
    // A wide right operand (rows over 1,024 floats), transposed by our loop: threads take
    // column blocks (batchMatMul.ts).
    matMulWide: () => tf.matMul(t([16, 128], 28), t([2600, 128], 29), false, true),
    // Images split across our loop threads (loopThreads.ts): tiled and overlapping windows.
    poolGrad: () => {
      const px = t([12, 28, 28, 32], 6);
      return run(
        'MaxPoolGrad',
        {
          dy: t([12, 14, 14, 32], 7),
          input: px,
          output: tf.maxPool(px as tf.Tensor4D, 2, 2, 'valid'),
        },
        { filterSize: 2, strides: 2, pad: 'valid' },
      );
    },
    // The first layer (1 channel in, 3×3: conv1.ts's direct loops): forward and input gradient
    // split by images, the filter gradient (dW1 below) by blocks of 4 output channels.
    conv1: () =>
      run(
        'FusedConv2D',
        { x: t([8, 28, 28, 1], 34), filter: t([3, 3, 1, 32], 35), bias: t([32], 36) },
        { ...c, activation: 'relu' },
      ),
    dX1: () =>
      run(
        'Conv2DBackpropInput',
        { dy: t([8, 28, 28, 32], 19), filter: t([3, 3, 1, 32], 20) },
        { ...c, inputShape: [8, 28, 28, 1] },
      ),
    // Three channels in: conv1's loop for RGB input gradients (simdConv1.ts), images split.
    dX3: () =>
      run(
        'Conv2DBackpropInput',
        { dy: t([8, 28, 28, 16], 37), filter: t([3, 3, 3, 16], 38) },
        { ...c, inputShape: [8, 28, 28, 3] },
      ),
    // Winograd filter gradient whose dY must be padded (odd size, 12 channels out): the padding
    // copies run per image range too.
    dWPadded: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([12, 13, 13, 16], 26), dy: t([12, 13, 13, 12], 27) },
        { ...c, filterShape: [3, 3, 16, 12] },
      ),
    // The im2col filter gradient (3 channels in, dW3): P's columns, then dW's columns split.
    dW1: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([8, 28, 28, 1], 21), dy: t([8, 28, 28, 32], 22) },
        { ...c, filterShape: [3, 3, 1, 32] },
      ),
    dW3: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([8, 15, 15, 3], 23), dy: t([8, 8, 8, 16], 24) },
        { ...c, strides: 2, filterShape: [3, 3, 3, 16] },
      ),
    // The ResNet's stride-2 3×3 downsampling (16 → 32 channels): the input gradient as a GEMM
    // and col2im (convInputGemm.ts), and its 1×1 stride-2 projection.
    dXStrided: () =>
      run(
        'Conv2DBackpropInput',
        { dy: t([8, 14, 14, 32], 47), filter: t([3, 3, 16, 32], 48) },
        { ...c, strides: 2, inputShape: [8, 28, 28, 16] },
      ),
    dWStrided: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([8, 28, 28, 16], 49), dy: t([8, 14, 14, 32], 50) },
        { ...c, strides: 2, filterShape: [3, 3, 16, 32] },
      ),
    dXProjection: () =>
      run(
        'Conv2DBackpropInput',
        { dy: t([8, 14, 14, 32], 51), filter: t([1, 1, 16, 32], 52) },
        { ...c, strides: 2, pad: 'valid', inputShape: [8, 28, 28, 16] },
      ),
    dWProjection: () =>
      run(
        'Conv2DBackpropFilter',
        { x: t([8, 28, 28, 16], 53), dy: t([8, 14, 14, 32], 54) },
        { ...c, strides: 2, pad: 'valid', filterShape: [1, 1, 16, 32] },
      ),
    // Winograd with the fused bias and ReLU epilogue.
    fusedWinograd: () =>
      run('FusedConv2D', { x, filter: w, bias: t([64], 55) }, { ...c, activation: 'relu' }),
    // Global average pooling (Mean over the image) and FusedBatchNorm in inference form.
    meanPool: () => tf.mean(t([16, 14, 14, 64], 56), [1, 2]),
    batchNorm: () =>
      tf.batchNorm(
        t([8, 28, 28, 16], 57),
        t([16], 58),
        tf.add(tf.abs(t([16], 59)), 0.1),
        t([16], 60),
        t([16], 61),
        1e-3,
      ),
    // The fused Adam update (kernels/optim/adam.ts): a range of the variable per thread, JS tail.
    adam: () => {
      const n = 70003;
      const attrs = {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        lr: 0.01,
        accBeta1: 0.729,
        accBeta2: 0.997,
      };
      const outs = run(
        'RflAdam',
        { w: t([n], 30), m: t([n], 31), v: tf.abs(t([n], 32)), g: t([n], 33) },
        attrs,
      ) as unknown as tf.Tensor[];
      return tf.concat(outs);
    },
    // Batch norm in training (batchNormTrain.ts): blocks of rows summed in parallel, then in
    // order; the normalisation and the input gradient split by rows.
    bnTrain: () =>
      tf.concat(
        (
          run(
            'RflBatchNormTrain',
            { x: t([8, 28, 28, 16], 39), scale: t([16], 40), offset: t([16], 41) },
            { varianceEpsilon: 1e-3 },
          ) as unknown as tf.Tensor[]
        ).map((o) => tf.reshape(o, [-1])),
      ),
    bnTrainGrad: () =>
      tf.concat(
        (
          run(
            'RflBatchNormTrainGrad',
            {
              dy: t([8, 28, 28, 16], 42),
              x: t([8, 28, 28, 16], 43),
              mean: t([16], 44),
              variance: tf.abs(t([16], 45)),
              scale: t([16], 46),
            },
            { varianceEpsilon: 1e-3 },
          ) as unknown as tf.Tensor[]
        ).map((o) => tf.reshape(o, [-1])),
      ),
    // Bias gradient: blocks of rows summed in parallel, then in order.
    biasSum: () => tf.sum(t([16, 28, 28, 32], 25), [0, 1, 2]),
    // Element-wise passes large enough to be split (loopThreads.ts PARALLEL_MIN).
    relu: () => tf.relu(t([8, 28, 28, 33], 10)),
    reluGrad: () =>
      run('RflReluGrad', { dy: t([8, 28, 28, 33], 11), x: t([8, 28, 28, 33], 12) }, {}),
    addSame: () => tf.add(t([8, 28, 28, 33], 13), t([8, 28, 28, 33], 14)),
    biasAdd: () => tf.add(t([8, 28, 28, 32], 15), t([32], 16)),
    mulScalar: () => tf.mul(t([8, 28, 28, 33], 17), t([1], 18)),
    // The densenet's channel joins and their gradient (shape/concat.ts): row copies, split.
    concat: () => tf.concat([t([8, 28, 28, 24], 19), t([8, 28, 28, 12], 20)], 3),
    splitV: () => tf.concat(tf.split(t([8, 28, 28, 36], 21), [12, 5, 19], 3).reverse(), 3),
    // The ResNet in inference mode with its batch norms folded into the convolutions
    // (models/foldedInference.ts): logits and their input gradient.
    foldedResnet: () => {
      const built = randomisedModel('resnet', [16, 16, 3], 64);
      const fx = t([4, 16, 16, 3], 65);
      const r = t([4, 10], 66);
      const f = (xx: tf.Tensor) => inferenceApply(built.model, xx);
      const out = tf.concat([
        tf.reshape(f(fx), [-1]),
        tf.reshape(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), r)))(fx), [-1]),
      ]);
      tf.dispose(built.model.weights.map((w) => w.read()));
      return out;
    },
    poolGradOverlap: () => {
      const px = t([12, 15, 15, 16], 8);
      return run(
        'MaxPoolGrad',
        {
          dy: t([12, 8, 8, 16], 9),
          input: px,
          output: tf.maxPool(px as tf.Tensor4D, 3, 2, 'same'),
        },
        { filterSize: 3, strides: 2, pad: 'same' },
      );
    },
  };
}
