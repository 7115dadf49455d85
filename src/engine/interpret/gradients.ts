/**
 * Gradient interpretability (paper §4): input gradients of the loss for chosen images, normalised
 * for display, and large-ε targeted attacks towards every class (robust models draw class
 * features, standard models draw noise), plus the edge-alignment measure of edges.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients';
import { attack } from '../attacks/attack';
import { crossEntropyPerExample } from '../attacks/losses';
import type { AttackModel } from '../attacks/types';
import type { Dataset } from '../types';
import { gatherImages } from '../train/batches';
import { edgeAlignment } from './edges';

export interface GradientReport {
  /** ∇ₓ CE(f(x), y) per chosen image, NHWC. */
  gradients: Float32Array;
  /** For display: 0.5 + 0.5·g / max|g| per image, in [0,1]. */
  display: Float32Array;
  edgeAlignment: { mean: number; perImage: number[] };
}

export async function inputGradients(
  model: AttackModel,
  ds: Dataset,
  indices: number[],
): Promise<GradientReport> {
  const [, h, w, c] = ds.shape;
  const images = gatherImages(ds, indices);
  const g = tf.tidy(() => {
    const x = tf.tensor4d(images, [indices.length, h, w, c]);
    const y = tf.tensor1d(
      indices.map((i) => ds.labels[i] as number),
      'int32',
    );
    return tf.grad((xx: tf.Tensor) => tf.sum(crossEntropyPerExample(model(xx as tf.Tensor4D), y)))(
      x,
    );
  });
  const gradients = (await g.data()) as Float32Array;
  g.dispose();
  const size = h * w * c;
  const display = new Float32Array(gradients.length);
  for (let i = 0; i < indices.length; i++) {
    let m = 1e-12;
    for (let k = 0; k < size; k++) m = Math.max(m, Math.abs(gradients[i * size + k] as number));
    for (let k = 0; k < size; k++)
      display[i * size + k] = 0.5 + (0.5 * (gradients[i * size + k] as number)) / m;
  }
  return {
    gradients,
    display,
    edgeAlignment: edgeAlignment(images, gradients, indices.length, h, w, c),
  };
}

/** Row r, column t: image r pushed towards class t by targeted L2 PGD with a large ε. */
export async function classDrawings(
  model: AttackModel,
  ds: Dataset,
  indices: number[],
  o: { eps: number; steps: number; seed: number },
): Promise<Float32Array> {
  const [, h, w, c] = ds.shape;
  const C = ds.numClasses;
  const rows = indices.flatMap((i) => Array.from({ length: C }, () => i));
  const x = tf.tensor4d(gatherImages(ds, rows), [rows.length, h, w, c]);
  const t = tf.tensor1d(
    rows.map((_, k) => k % C),
    'int32',
  );
  try {
    const r = await attack(model, x, t, {
      norm: 'l2',
      eps: o.eps,
      stepSize: (2.5 * o.eps) / o.steps,
      iterations: o.steps,
      targeted: true,
      useBest: true,
      seed: o.seed,
    });
    const out = (await r.adv.data()) as Float32Array;
    r.adv.dispose();
    return out;
  } finally {
    tf.dispose([x, t]);
  }
}
