/**
 * ℓ2 threat model S = {x : ‖x − x₀‖₂ ≤ ε} ∩ [0,1]ⁿ, after robustness `attack_steps.L2Step`.
 * The paper's main threat model: D_rand / D_det are built with targeted ℓ2-PGD and robust
 * accuracy is reported at ℓ2 ε = 0.25 (Ilyas et al. 2019, §3.2 and Appendix C).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackStep } from './attackStep';
import { requireGrad } from './attackStep';
import {
  NORM_GUARD,
  l2Direction,
  l2NormalizedStep,
  perExampleL2Norm,
  renormPerExample,
} from './norms';

export class L2Step implements AttackStep {
  constructor(
    readonly origInput: tf.Tensor,
    readonly eps: number,
    readonly stepSize: number,
    readonly useGrad = true,
  ) {}

  /**
   * Steepest ascent for the ℓ2 norm: the gradient rescaled to unit norm per example, times the
   * step size (`g / (‖g‖ + 1e-10)`; the guard keeps a zero gradient a zero step, not NaN).
   */
  step<T extends tf.Tensor>(x: T, grad: T | undefined): T {
    return l2NormalizedStep(x, requireGrad(grad, 'L2Step'), this.stepSize);
  }

  ascentDirection<T extends tf.Tensor>(grad: T): T {
    return l2Direction(grad);
  }

  /**
   * Rescale the perturbation x − x₀ to norm ≤ ε per example (torch `renorm(p=2, dim=0, maxnorm=ε)`),
   * then clip to [0,1]. Clipping after rescaling cannot leave the ball: each coordinate of the
   * perturbation only shrinks towards x₀ ∈ [0,1].
   */
  project<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const delta = renormPerExample(tf.sub(x, this.origInput), this.eps);
      return tf.clipByValue(tf.add(this.origInput, delta), 0, 1) as T;
    });
  }

  /**
   * A point on the ε-sphere around x in a uniformly random direction: a standard normal
   * sample normalised per example (`randn / ‖randn‖`), scaled by ε, clipped to [0,1].
   * Like the library, this starts on the surface of the ball, not inside it.
   */
  randomPerturb<T extends tf.Tensor>(x: T, seed?: number): T {
    return tf.tidy(() => {
      const r = tf.randomNormal(x.shape, 0, 1, 'float32', seed);
      const dir = tf.div(r, tf.add(perExampleL2Norm(r), NORM_GUARD));
      return tf.clipByValue(tf.add(x, tf.mul(dir, this.eps)), 0, 1) as T;
    });
  }
}
