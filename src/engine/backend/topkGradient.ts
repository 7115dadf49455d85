/**
 * The gradient of 'TopK', which tfjs does not register: the DLR loss of AutoAttack (attacks/
 * losses.ts) differentiates the largest logits, as the reference does through torch's sort.
 * The gradient of the values output goes back to the positions the indices name (each value is
 * a copy of one input entry); the indices output has none.
 */
import * as tf from '@tensorflow/tfjs-core';

export function registerTopKGradient(): void {
  tf.registerGradient({
    kernelName: 'TopK',
    inputsToSave: ['x'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [x, indices] = saved as [tf.Tensor, tf.Tensor];
      const dValues = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
      return {
        x: () =>
          tf.tidy(() => {
            const width = x.shape[x.rank - 1] ?? 1;
            const k = indices.shape[indices.rank - 1] ?? 1;
            const idx = tf.reshape<tf.Rank.R2>(indices, [-1, k]);
            const dv = tf.reshape(dValues, [-1, k, 1]);
            // [rows, k, width]: one-hot of each picked position, weighted by its value's gradient.
            const scattered = tf.sum(tf.mul(tf.oneHot(tf.cast(idx, 'int32'), width), dv), 1);
            return tf.reshape(scattered, x.shape);
          }),
      };
    },
  });
}
