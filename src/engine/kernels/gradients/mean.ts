/**
 * The gradient of Mean (global average pooling's, among others) as tfjs-core's formula on the
 * small tensor, then broadcast: tfjs-core computes dy·ones(x.shape)/n, a full-size ones tensor,
 * a broadcasting Multiply (element by element on wasm) and a full-size division. Dividing dy by n
 * first and tiling the result gives the same bits (dy·1 is dy exactly) in one Tile pass.
 */
import * as tf from '@tensorflow/tfjs-core';

export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const reduceSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
    return {
      x: () => tf.tile(tf.div(tf.reshape(dy as tf.Tensor, expanded), reduceSize), reps),
    };
  },
};
