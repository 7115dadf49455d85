/**
 * ℓ∞ threat model S = {x : ‖x − x₀‖∞ ≤ ε} ∩ [0,1]ⁿ, after robustness `attack_steps.LinfStep`.
 * FGSM is this step taken once from x₀ with step size ε (no separate code path).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackStep } from './attackStep';
import { requireGrad } from './attackStep';

export class LinfStep implements AttackStep {
  constructor(
    readonly origInput: tf.Tensor,
    readonly eps: number,
    readonly stepSize: number,
    readonly useGrad = true,
  ) {}

  /** Steepest ascent for ℓ∞: the sign of the gradient, times the step size (sign(0) = 0). */
  step<T extends tf.Tensor>(x: T, grad: T | undefined): T {
    const g = requireGrad(grad, 'LinfStep');
    return tf.tidy(() => tf.add<T>(x, tf.mul(this.ascentDirection(g), this.stepSize)));
  }

  ascentDirection<T extends tf.Tensor>(grad: T): T {
    return tf.sign(grad);
  }

  /** Clamp the perturbation to [−ε, ε] coordinate-wise, then the image to [0,1]. */
  project<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const delta = tf.clipByValue(tf.sub(x, this.origInput), -this.eps, this.eps);
      return tf.clipByValue(tf.add(this.origInput, delta), 0, 1) as T;
    });
  }

  /** Uniform noise in [−ε, ε] per coordinate (library: `2·(U[0,1) − 0.5)·ε`), clipped to [0,1]. */
  randomPerturb<T extends tf.Tensor>(x: T, seed?: number): T {
    return tf.tidy(() => {
      const noise = tf.randomUniform(x.shape, -this.eps, this.eps, 'float32', seed);
      return tf.clipByValue(tf.add(x, noise), 0, 1) as T;
    });
  }
}
