/**
 * Per-example attack objectives on logits: cross-entropy (the default of `attack()`), and the
 * losses of AutoAttack (Croce & Hein 2020): the Difference of Logits Ratio, untargeted and
 * targeted, and the margin that Square and the success test use.
 */
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

/** Keeps the denominators of DLR away from 0 when the top logits tie (the paper's constant). */
export const DLR_GUARD = 1e-12;

/** z_y per example. */
function pick(logits: tf.Tensor2D, classes: tf.Tensor1D): tf.Tensor1D {
  return tf.sum(tf.mul(logits, tf.oneHot(classes, logits.shape[1])), 1);
}

/** max_{i≠y} z_i per example: z_y is pushed below every logit before the max. */
function largestOther(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const hot = tf.oneHot(labels, logits.shape[1]);
  const spread = tf.sub(tf.max(logits, 1, true), tf.min(logits, 1, true));
  return tf.max(tf.sub(logits, tf.mul(hot, tf.add(spread, 1))), 1);
}

/**
 * Margin z_y − max_{i≠y} z_i: positive while the model still predicts y. Square minimises it and
 * counts an example as broken once it is ≤ 0 (Andriushchenko et al. 2020, the 'margin' loss).
 */
export function marginPerExample(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(pick(logits, labels), largestOther(logits, labels)));
}

/**
 * The j-th largest logit per example (j < k, decreasing). Differentiable: backend/topkGradient.ts
 * registers the TopK gradient tfjs lacks, imported with the other gradients by pgd.ts.
 */
function topLogits(logits: tf.Tensor2D, k: number): (j: number) => tf.Tensor1D {
  if (logits.shape[1] < k)
    throw new Error(`the DLR loss needs at least ${k} classes, the model has ${logits.shape[1]}`);
  const values = tf.topk(logits, k).values;
  return (j) => tf.reshape(tf.slice(values, [0, j], [-1, 1]), [-1]);
}

/**
 * DLR(z, y) = −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3), π sorting z decreasingly (Croce & Hein
 * 2020, eq. 5). Invariant to shifting and rescaling the logits, so a model cannot escape it by
 * inflating them, which cross-entropy's saturation allows.
 */
export function dlrLossPerExample(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy((): tf.Tensor1D => {
    const top = topLogits(logits, 3);
    const scale = tf.sub(top(0), top(2));
    return tf.neg<tf.Tensor1D>(
      tf.div<tf.Tensor1D>(marginPerExample(logits, labels), tf.add(scale, DLR_GUARD)),
    );
  });
}

/**
 * Targeted DLR: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2) (Croce & Hein 2020, eq. 6), maximised by
 * APGD-T: it rises as the target logit overtakes the true one.
 */
export function dlrTargetedLossPerExample(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  targets: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy((): tf.Tensor1D => {
    const top = topLogits(logits, 4);
    const scale = tf.sub(top(0), tf.mul(tf.add(top(2), top(3)), 0.5));
    const gap = tf.sub(pick(logits, labels), pick(logits, targets));
    return tf.neg<tf.Tensor1D>(tf.div<tf.Tensor1D>(gap, tf.add(scale, DLR_GUARD)));
  });
}

/**
 * z_t − z_y per example: negative while the model prefers the label y to the target t, zero on
 * the decision boundary between them. FAB-T linearises this function to find that boundary.
 */
export function targetGapPerExample(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  targets: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy(() => tf.sub(pick(logits, targets), pick(logits, labels)));
}
