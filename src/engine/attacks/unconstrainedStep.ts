/**
 * Unconstrained threat model S = [0,1]ⁿ, used for representation inversion (building D_R and
 * D_NR, Ilyas et al. 2019 §3.1: min ‖g(x_r) − g(x)‖₂ by gradient descent from noise or another image).
 *
 * Deliberate difference from robustness `attack_steps.UnconstrainedStep`, whose step is the raw
 * gradient `x + step_size·g`: the paper describes D_R construction as *normalised* gradient
 * descent (ℓ2 norm of the step fixed), and the library's own inversion walkthrough gets that by
 * using `constraint='2'` with `eps=1000`. This step is exactly that: L2Step's normalised step with
 * an infinite ball, so the only projection left is the clip to [0,1]. Its step size therefore has
 * the same meaning as an ℓ2-PGD step size.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackStep } from './attackStep';
import { requireGrad } from './attackStep';
import { l2Direction, l2NormalizedStep, renormPerExample } from './norms';

export class UnconstrainedStep implements AttackStep {
  constructor(
    readonly origInput: tf.Tensor,
    readonly eps: number,
    readonly stepSize: number,
    readonly useGrad = true,
  ) {}

  /** ℓ2-normalised step per example, as in L2Step. */
  step<T extends tf.Tensor>(x: T, grad: T | undefined): T {
    return l2NormalizedStep(x, requireGrad(grad, 'UnconstrainedStep'), this.stepSize);
  }

  ascentDirection<T extends tf.Tensor>(grad: T): T {
    return l2Direction(grad);
  }

  /** Only the image box: ε is ignored. */
  project<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => tf.clipByValue<T>(x, 0, 1));
  }

  /**
   * The library's intent: centred uniform noise `U − 0.5`, renormalised per example to norm at
   * most the step size, clipped to [0,1]. (Its code refers to an undefined `step_size` there; we
   * read it as `self.step_size`.)
   */
  randomPerturb<T extends tf.Tensor>(x: T, seed?: number): T {
    return tf.tidy(() => {
      const noise = renormPerExample(
        tf.randomUniform(x.shape, -0.5, 0.5, 'float32', seed),
        this.stepSize,
      );
      return tf.clipByValue(tf.add(x, noise), 0, 1) as T;
    });
  }
}
