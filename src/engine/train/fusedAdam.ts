/**
 * tfjs's Adam with the update of each variable as one kernel ('RflAdam', kernels/optim/adam.ts) where
 * the backend has it (wasm with our kernels): the stock update is ten tensor ops per variable,
 * each a pass over it and a temporary (CHANGELOG.md, 0.1.0, session 6). Same float32 arithmetic,
 * so the same weights to the bit; same slots, names and state (getWeights/setWeights are tfjs's,
 * plus the accumulated powers that optimizer.ts saves beside them), so snapshots of either resume
 * alike. On other backends it is tfjs's AdamOptimizer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_ADAM } from '../kernels/optim/adam';

/** tfjs's AdamOptimizer fields we take over (private in its typings). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  incrementIterations(): void;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0],
  ): void {
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) === undefined)
      return super.applyGradients(variableGradients);
    const self = this as unknown as AdamState;
    const list: { name: string; tensor: tf.Tensor | null }[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    tf.tidy(() => {
      const [accBeta1, accBeta2] = [self.accBeta1.dataSync()[0]!, self.accBeta2.dataSync()[0]!];
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name]!;
        // The slots as tfjs creates them (names and order are what getWeights saves).
        self.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        self.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const attrs = {
          beta1: self.beta1,
          beta2: self.beta2,
          epsilon: self.epsilon,
          lr: self.learningRate,
          accBeta1,
          accBeta2,
        };
        const [w1, m1, v1] = tf
          .engine()
          .runKernel<tf.Tensor[]>(FUSED_ADAM, { w: value, m, v, g: gradient }, attrs);
        m.assign(m1!);
        v.assign(v1!);
        value.assign(w1!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/** Adam with tfjs's defaults (β1 0.9, β2 0.999, the backend's ε), as tf.train.adam(lr). */
export function adam(lr: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(lr, 0.9, 0.999);
}
