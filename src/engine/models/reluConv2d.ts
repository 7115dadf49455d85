/**
 * tfjs-layers' Conv2D with a ReLU or no activation, run as one FusedConv2D kernel also while a
 * gradient is taken (training, attacks). Stock tfjs-layers asks tfjs-core for a fused convolution, and
 * tfjs-core un-fuses it under a gradient into Conv2D, a bias Add and a Relu: two more passes over
 * each convolution's output in every training and PGD step. Without an activation (the ResNet's
 * convolutions, followed by batch norm) tfjs-core runs a customGrad that computes the filter
 * gradient with the input gradient even when only the input gradient is asked for (every PGD
 * and inversion step). The gradient is kernels/gradients/fusedConv2D.ts, each part
 * only when asked for.
 * Same weights, same config, same class name: saved models are unchanged, and loading one gives
 * this class (registered for 'Conv2D'). Other activations, layouts or dilations: the stock call.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type ConvArgs = Parameters<typeof tfl.layers.conv2d>[0];
/** The stock Conv2D class (tfjs-layers exports only its factory). */
const StockConv2D = tfl.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (
  args: ConvArgs,
) => tfl.layers.Layer;

/** Conv2D's fields we read (protected in its typings). */
export interface ConvFields {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
}

/** Whether linear convolutions take the fused path; bench/profile-kernels.ts flips it for an A/B. */
export const linearConvOn = { on: true };

export class ReluConv2D extends StockConv2D {
  static className = 'Conv2D';

  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const c = this as unknown as ConvFields;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const fusable =
      (c.activation.getClassName() === 'relu' ||
        (linearConvOn.on && c.activation.getClassName() === 'linear')) &&
      c.dataFormat === 'channelsLast' &&
      x.rank === 4 &&
      (c.padding === 'same' || c.padding === 'valid') &&
      c.dilationRate.every((d) => d === 1);
    if (!fusable) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const inputsMap: tf.NamedTensorMap = { x, filter: c.kernel.read() };
      if (c.bias) inputsMap.bias = c.bias.read();
      const attrs = {
        strides: c.strides,
        pad: c.padding,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        activation: c.activation.getClassName(),
      };
      return tf.engine().runKernel<tf.Tensor>('FusedConv2D', inputsMap, attrs);
    });
  }
}
tf.serialization.registerClass(
  ReluConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** tfl.layers.conv2d for a ReLU convolution, as ReluConv2D. */
export function reluConv2d(args: Omit<ConvArgs, 'activation'>): tfl.layers.Layer {
  return new ReluConv2D({ ...args, activation: 'relu' });
}

/** tfl.layers.conv2d without an activation, as ReluConv2D (one FusedConv2D kernel). */
export function linearConv2d(args: Omit<ConvArgs, 'activation'>): tfl.layers.Layer {
  return new ReluConv2D({ ...args, activation: 'linear' });
}
