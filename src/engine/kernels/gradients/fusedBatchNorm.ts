import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-core's FusedBatchNorm gradient (the same formulas), with each part computed only when
 * asked for: tfjs computes x − mean and dy·scale over the whole tensor up front and tiles the
 * per-channel factor to the tensor's size, in every PGD step through a batch-norm net in
 * inference mode, which needs only dx = dy·scale/√(variance + ε), one per-channel multiply.
 */
function fusedBatchNormGrad(
  dyIn: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): Record<string, () => tf.Tensor> {
  const dy = dyIn as tf.Tensor;
  const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
  const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
  // Each gradient summed over the axes its input was broadcast along (tfjs-core sums only for
  // rank-1 parameters and fails on [1,1,1,C] ones).
  const reduce = (t: tf.Tensor, like: tf.Tensor) => {
    const axes = tf.backend_util.getReductionAxes(like.shape, t.shape);
    return tf.reshape(axes.length ? tf.sum(t, axes) : t, like.shape);
  };
  const rsqrtVar = () => tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
  const dyTimesScale = () => (scale == null ? dy : tf.mul(dy, scale));
  return {
    x: () =>
      tf.reshape(tf.mul(dy, scale == null ? rsqrtVar() : tf.mul(rsqrtVar(), scale)), x.shape),
    mean: () => reduce(tf.mul(tf.mul(rsqrtVar(), tf.scalar(-1)), dyTimesScale()), mean),
    variance: () => {
      const r = rsqrtVar();
      const minusHalfRCube = tf.mul(tf.mul(tf.mul(r, r), r), tf.scalar(-0.5));
      return reduce(tf.mul(tf.mul(minusHalfRCube, tf.sub(x, mean)), dyTimesScale()), variance);
    },
    scale: () => reduce(tf.mul(dy, tf.mul(tf.sub(x, mean), rsqrtVar())), scale!),
    offset: () => reduce(dy, saved[4] ?? mean),
  };
}

export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale', 'offset'],
  gradFunc: fusedBatchNormGrad,
};
