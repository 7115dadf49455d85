/** The attack's default objective: per-example cross-entropy (torch `CrossEntropyLoss(reduction='none')`). */
import * as tf from '@tensorflow/tfjs-core';

/**
 * CE(z, y) = logsumexp(z) − z_y, per example. Written on logits with logSumExp (max-shifted
 * inside tfjs) so that confident models do not overflow, and so that the gradient is
 * softmax(z) − onehot(y) with no log(0).
 */
export function crossEntropyPerExample(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const picked = tf.sum(tf.mul(logits, tf.oneHot(labels, numClasses)), 1);
    return tf.sub(tf.logSumExp(logits, 1), picked);
  });
}
