/**
 * g(x) as the representation inversion of D_R / D_NR differentiates it: the forward value is the
 * representation (the input of the final linear layer), but the last ReLU passes its gradient
 * through unchanged — MadryLab/robustness' `fake_relu=True`, which its inversion and feature
 * visualisation use (`model(x, with_latent=True, fake_relu=True)`).
 *
 * Why it matters: started from another image, x_r has most of g(x)'s active units switched off.
 * Through a true ReLU an inactive unit gets no gradient, so the descent can never switch it on and
 * ‖g(x_r) − g(x)‖ stalls; measured on the quick profile's robust cnn (README, "D_R and the final
 * ReLU"), the exact gradient left D_R with little of the robust model's features.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { AttackModel } from '../attacks/types';
import { representationTensor, type BuiltModel } from './registry';
import { inferenceApply } from './foldedInference';

/** relu forward, identity backward. */
const fakeReluOp = tf.customGrad<tf.Tensor>((z) => ({
  value: tf.relu(z as tf.Tensor),
  gradFunc: (dy) => dy,
}));
export const fakeRelu = (z: tf.Tensor): tf.Tensor => fakeReluOp(z);

type Layer = tfl.layers.Layer;

const activationName = (layer: Layer): string | undefined => {
  const cfg = layer.getConfig() as { activation?: unknown };
  return typeof cfg.activation === 'string' ? cfg.activation : undefined;
};

/** The layer whose output is `t`. */
const producer = (t: tfl.SymbolicTensor): Layer => t.sourceLayer;

/**
 * The inversion's g: with a fake final ReLU where the architecture ends its representation in one
 * (a dense layer with activation 'relu': mlp, cnn, vgg; or a ReLU activation layer followed by
 * global pooling: resnet). `fake: false`, or an architecture ending otherwise, gives g itself.
 * Returns whether the fake ReLU is in use, for the dataset's manifest.
 */
export function inversionRepresentation(
  { model, representation }: Pick<BuiltModel, 'model' | 'representation'>,
  fake: boolean,
): { g: AttackModel; fakeRelu: boolean } {
  const exact: AttackModel = (x) => inferenceApply(representation, x) as tf.Tensor2D;
  if (!fake) return { g: exact, fakeRelu: false };
  const last = producer(representationTensor(model));
  if (
    last instanceof tfl.layers.Layer &&
    last.getClassName() === 'Dense' &&
    activationName(last) === 'relu'
  ) {
    const inner = tfl.model({ inputs: model.inputs, outputs: last.getInputAt(0) });
    const [kernel, bias] = last.getWeights();
    return {
      g: (x) => {
        const h = inferenceApply(inner, x) as tf.Tensor2D;
        const z = bias
          ? tf.add(tf.matMul(h, kernel as tf.Tensor2D), bias)
          : tf.matMul(h, kernel as tf.Tensor2D);
        return fakeRelu(z) as tf.Tensor2D;
      },
      fakeRelu: true,
    };
  }
  // Global pooling (or flatten) after a ReLU activation layer: fake the ReLU, then pool.
  const pooled = last.getInputAt(0) as tfl.SymbolicTensor;
  const act = producer(pooled);
  if (
    ['GlobalAveragePooling2D', 'Flatten'].includes(last.getClassName()) &&
    act.getClassName() === 'Activation' &&
    activationName(act) === 'relu'
  ) {
    const inner = tfl.model({ inputs: model.inputs, outputs: act.getInputAt(0) });
    return {
      g: (x) => last.apply(fakeRelu(inferenceApply(inner, x))) as tf.Tensor2D,
      fakeRelu: true,
    };
  }
  return { g: exact, fakeRelu: false };
}
