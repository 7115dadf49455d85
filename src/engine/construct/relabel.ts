/**
 * Relabelled datasets (paper §3.2): x_adv = argmin_{‖x' − x‖ ≤ ε} L_C(x', t) by targeted PGD (L2 or
 * L∞) on a standard model C; the new label is t. The attack's success (C(x_adv) = t) is recorded.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attack } from '../attacks/attack';
import { rowL2Norms } from '../attacks/norms';
import type { AttackModel } from '../attacks/types';

export interface RelabelResult {
  images: Float32Array;
  success: boolean[];
  /** ‖x_adv − x‖ per image, in the attack's norm. */
  perturbationNorms: Float32Array;
}

export async function relabelBatch(
  model: AttackModel,
  x: tf.Tensor4D,
  targets: Int32Array,
  o: {
    norm: 'l2' | 'linf';
    eps: number;
    steps: number;
    stepSize: number;
    signal?: AbortSignal;
    onIteration?: (iteration: number) => void;
  },
): Promise<RelabelResult> {
  const t = tf.tensor1d(targets, 'int32');
  try {
    const r = await attack(model, x, t, {
      norm: o.norm,
      eps: o.eps,
      stepSize: o.stepSize,
      iterations: o.steps,
      targeted: true,
      useBest: true,
      randomStart: false,
      signal: o.signal,
      onIteration: o.onIteration,
    });
    const norms = tf.tidy(() => {
      const d = tf.reshape<tf.Rank.R2>(tf.sub(r.adv, x), [x.shape[0], -1]);
      return o.norm === 'l2' ? rowL2Norms(d) : tf.max(tf.abs(d), 1);
    });
    const images = (await r.adv.data()) as Float32Array;
    const perturbationNorms = (await norms.data()) as Float32Array;
    tf.dispose([r.adv, norms]);
    return { images, success: r.success ?? [], perturbationNorms };
  } finally {
    t.dispose();
  }
}
