/**
 * tfjs-layers' BatchNormalization whose training mode runs as one kernel forward and one kernel
 * backward (kernels/norm/batchNormTrain.ts) where the active backend has them (wasm), instead of
 * tf.moments, FusedBatchNorm and a gradient through each op of that chain. The moving averages
 * are updated as tfjs-layers updates them (the same ops on the same batch moments). Same
 * weights, config and class name: saved models are unchanged, and loading one gives this class
 * (registered for 'BatchNormalization'). Inference mode, other axes, center/scale off, channel
 * counts that are not a multiple of 4, other backends: tfjs-layers' own code.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BN_TRAIN, canRunBatchNormTrain } from '../kernels/norm/batchNormTrain';

type BnArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
/** The stock BatchNormalization class (tfjs-layers exports only its factory). */
const StockBatchNorm = tfl.layers.batchNormalization({}).constructor as new (
  args: BnArgs,
) => tfl.layers.Layer;

/** BatchNormalization's fields we read (protected in its typings). */
interface BnFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor };
  beta: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

/** Whether training mode takes the two kernels; bench/profile-kernels.ts flips it for an A/B. */
export const batchNormTrainOn = { on: true };

export class FusedBatchNormalization extends StockBatchNorm {
  static className = 'BatchNormalization';

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const b = this as unknown as BnFields;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const fusable =
      batchNormTrainOn.on &&
      kwargs.training === true &&
      (b.axis === -1 || b.axis === x.rank - 1) &&
      b.center &&
      b.scale &&
      canRunBatchNormTrain(x);
    if (!fusable) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = tf
        .engine()
        .runKernel<tf.Tensor[]>(
          BN_TRAIN,
          { x, scale: b.gamma.read(), offset: b.beta.read() },
          { varianceEpsilon: b.epsilon },
        );
      // tfjs-layers' doMovingAverage: v − (v − value)·(1 − momentum).
      for (const [v, value] of [
        [b.movingMean, mean!],
        [b.movingVariance, variance!],
      ] as const) {
        tf.tidy(() => {
          const orig = v.read();
          v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - b.momentum)));
        });
      }
      return y!;
    });
  }
}
tf.serialization.registerClass(
  FusedBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** tfl.layers.batchNormalization as FusedBatchNormalization. */
export function batchNormalization(args: BnArgs = {}): tfl.layers.Layer {
  return new FusedBatchNormalization(args);
}
