/**
 * The inner maximisation of adversarial training (paper §2, robust training): PGD examples made on
 * the fly against the current model in inference mode (batch-norm frozen while attacking, as in
 * robustness's train loop), with a random start (Madry et al.) seeded per step for exact resume.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { attack } from '../attacks/attack';
import { defaultStepSize } from '../attacks/defaults';
import type { LogitsFn } from '../eval/accuracy';
import type { AdversarialConfig } from './config';

export async function adversarialBatch(
  fn: LogitsFn,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  adv: AdversarialConfig,
  seed: number,
  signal?: AbortSignal,
): Promise<tf.Tensor4D> {
  const r = await attack(fn, x, y, {
    norm: adv.norm,
    eps: adv.eps,
    stepSize: adv.stepSize ?? defaultStepSize(adv.eps, adv.steps),
    iterations: adv.steps,
    randomStart: true,
    useBest: true,
    seed,
    signal,
  });
  return r.adv;
}
