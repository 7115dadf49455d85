/**
 * A gradient for the FusedConv2D kernel (conv + bias + ReLU or linear), which tfjs-core only
 * differentiates through its own fused.conv2d op (a customGrad that, with ReLU, it never uses
 * under a gradient: it runs Conv2D, Add and Relu instead, two extra passes over the output).
 * models/reluConv2d.ts runs the kernel directly with this gradient: dz = dy·step(y) (y > 0
 * exactly where the pre-activation is), then tfjs's Conv2D gradient of dz (input and filter) and
 * the bias gradient Σ dz, each computed only if asked for.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluGrad } from '../elementwise/reluGrad';

export const fusedConv2DGradConfig: tf.GradConfig = {
  kernelName: tf.FusedConv2D,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    if (a.activation !== 'relu' && a.activation !== 'linear')
      throw new Error(`FusedConv2D: no gradient for activation ${a.activation}`);
    const dz = a.activation === 'relu' ? reluGrad(dy as tf.Tensor, y) : (dy as tf.Tensor);
    // The plain convolution's gradients are tfjs's own (registered with tfjs-layers' gradients).
    const conv = tf.getGradient('Conv2D')?.gradFunc(dz, [x, filter], attrs);
    if (!conv) throw new Error('FusedConv2D gradient: the Conv2D gradient is not registered');
    return { ...conv, bias: () => tf.sum(dz, [0, 1, 2]) };
  },
};
