/**
 * Tiny fixtures for the attack tests: dense models written with tfjs-core ops (no layers, no
 * conv, so they run on every backend) and a 3-class synthetic image task that trains in a
 * few Adam steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttackModel } from '../../../src/engine/attacks';

export const H = 4;
export const W = 4;
export const D = H * W;
export const CLASSES = 3;

export interface DenseNet {
  model: AttackModel;
  /** Hidden representation (for inversion tests). */
  rep: (x: tf.Tensor4D) => tf.Tensor2D;
  vars: tf.Variable[];
  dispose(): void;
}

/** Seeded Glorot-ish dense net D → hidden → CLASSES. */
export function denseNet(seed: number, hidden = 12): DenseNet {
  const w1 = tf.variable(tf.randomNormal([D, hidden], 0, Math.sqrt(2 / D), 'float32', seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(
    tf.randomNormal([hidden, CLASSES], 0, Math.sqrt(2 / hidden), 'float32', seed + 1),
  );
  const b2 = tf.variable(tf.zeros([CLASSES]));
  const rep = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.relu(tf.add<tf.Tensor2D>(tf.matMul(tf.reshape<tf.Rank.R2>(x, [x.shape[0], D]), w1), b1));
  const model = (x: tf.Tensor4D): tf.Tensor2D => tf.add(tf.matMul(rep(x), w2), b2);
  const vars = [w1, b1, w2, b2];
  return { model, rep, vars, dispose: () => tf.dispose(vars) };
}

/**
 * Class k lights the k-th horizontal band of a 4×4 image (plus uniform noise). Labels cycle
 * 0,1,2,… so any prefix is balanced. Returned as plain arrays; callers make tensors.
 */
export function bandsTask(n: number, seed: number): { images: Float32Array; labels: Int32Array } {
  let s = seed >>> 0;
  const rand = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const images = new Float32Array(n * D);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % CLASSES;
    labels[i] = k;
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++)
        images[i * D + r * W + c] = Math.min(1, (r === k ? 0.7 : 0.15) + 0.3 * rand());
  }
  return { images, labels };
}

export function toTensors(t: { images: Float32Array; labels: Int32Array }): {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
} {
  return {
    x: tf.tensor4d(t.images, [t.labels.length, H, W, 1]),
    y: tf.tensor1d(t.labels, 'int32'),
  };
}

/** Standard training with Adam: enough for a confident, non-robust bands classifier. */
export function trainedNet(seed = 1, steps = 60): DenseNet {
  const net = denseNet(seed);
  const { x, y } = toTensors(bandsTask(48, seed + 100));
  const opt = tf.train.adam(0.05);
  for (let i = 0; i < steps; i++)
    opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(
          tf.oneHot(y, CLASSES) as tf.Tensor2D,
          net.model(x),
        ),
      false,
      net.vars,
    );
  opt.dispose();
  tf.dispose([x, y]);
  return net;
}

export function accuracy(model: AttackModel, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return tf.tidy(
    () => tf.mean(tf.cast(tf.equal(tf.argMax(model(x), 1), y), 'float32')).dataSync()[0] ?? 0,
  );
}

/** Per-example ‖a − b‖ (p = 2 or ∞) as a plain array. */
export function perExampleDist(a: tf.Tensor, b: tf.Tensor, p: 2 | 'inf'): number[] {
  return tf.tidy(() => {
    const d = tf.reshape(tf.sub(a, b), [a.shape[0] ?? 1, -1]);
    return Array.from((p === 2 ? tf.norm(d, 2, 1) : tf.max(tf.abs(d), 1)).dataSync());
  });
}

export function minMax(t: tf.Tensor): [number, number] {
  return tf.tidy(() => [tf.min(t).dataSync()[0] ?? NaN, tf.max(t).dataSync()[0] ?? NaN]);
}

/** Tolerance for float32 arithmetic on values in [0,1]. */
export const TOL = 1e-5;
