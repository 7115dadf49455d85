/**
 * Representation inversion (paper §3.1): x_r = argmin ‖g(x_r) − g(x)‖₂ over [0,1]^d by normalised
 * gradient descent — the one attack routine with the 'unconstrained' step and a custom loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attack } from '../attacks/attack';
import { rowL2Norms } from '../attacks/norms';
import type { AttackModel } from '../attacks/types';

export interface InvertResult {
  images: Float32Array;
  /** Final ‖g(x_r) − g(x)‖₂ per image. */
  distances: Float32Array;
  /** ‖g(x_start) − g(x)‖₂ per image, to show how far the descent went. */
  startDistances: Float32Array;
}

const repDistance = (g: AttackModel, x: tf.Tensor4D, target: tf.Tensor2D): tf.Tensor1D =>
  rowL2Norms(tf.sub(g(x), target));

export async function invertBatch(
  g: AttackModel,
  source: tf.Tensor4D,
  start: tf.Tensor4D,
  o: {
    steps: number;
    stepSize: number;
    signal?: AbortSignal;
    onIteration?: (iteration: number) => void;
  },
): Promise<InvertResult> {
  const target = tf.tidy(() => g(source));
  const startDist = tf.tidy(() => repDistance(g, start, target));
  try {
    const r = await attack(g, start, target, {
      norm: 'unconstrained',
      eps: 0,
      stepSize: o.stepSize,
      iterations: o.steps,
      targeted: true, // minimise the distance
      useBest: true,
      randomStart: false,
      customLoss: repDistance,
      signal: o.signal,
      onIteration: o.onIteration,
    });
    const images = (await r.adv.data()) as Float32Array;
    r.adv.dispose();
    return {
      images,
      distances: r.finalLoss,
      startDistances: (await startDist.data()) as Float32Array,
    };
  } finally {
    tf.dispose([target, startDist]);
  }
}
