/** Kernel calls shared by threads.test.ts and its child process (same inputs in both). */
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { rand } from './helpers';

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
    matMul: () => tf.matMul(t([64, 300], 4), t([300, 40], 5)),
  };
}
