/**
 * The gradient of 'RflReluGrad' itself: second-order gradients (e.g. of an input-gradient norm)
 * pass through the same mask, and x's is zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RELU_GRAD, reluGrad } from '../elementwise/reluGrad';

export const reluGradGradConfig: tf.GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => ({
    dy: () => reluGrad(ddx as tf.Tensor, saved[0]!),
    x: () => tf.zerosLike(saved[0]!),
  }),
};
