/** tfjs-core's Relu gradient, dy·step(x), as one 'RflReluGrad' kernel (elementwise/reluGrad.ts). */
import * as tf from '@tensorflow/tfjs-core';
import { reluGrad } from '../elementwise/reluGrad';

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({ x: () => reluGrad(dy as tf.Tensor, saved[0]!) }),
};
