/**
 * The gradient of 'RflBatchNormTrain' (norm/batchNormTrain.ts): one 'RflBatchNormTrainGrad'
 * kernel call gives dx, dscale and doffset. It flows through y only: mean and variance are
 * outputs for the layer's moving averages.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_TRAIN, BN_TRAIN_GRAD } from '../norm/batchNormTrain';

export const batchNormTrainGradConfig: tf.GradConfig = {
  kernelName: BN_TRAIN,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (dys as tf.Tensor[])[0]!;
    const [x, scale, mean, variance] = saved;
    // One kernel gives all three: dx needs Σdy and Σdy·(x − mean), which are doffset and
    // dscale·√(variance + ε).
    const [dx, dscale, doffset] = tf
      .engine()
      .runKernel<tf.Tensor[]>(
        BN_TRAIN_GRAD,
        { dy, x: x!, mean: mean!, variance: variance!, scale: scale! },
        attrs,
      );
    return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
  },
};
