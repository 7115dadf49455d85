/**
 * Optimizers (Adam; SGD with momentum), learning-rate schedules and the optimizer state that a
 * resumed run must restore to continue exactly where it stopped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MOMENTUM, type TrainConfig } from './config';
import { adam } from './fusedAdam';

export function createOptimizer(cfg: TrainConfig): tf.Optimizer {
  if (cfg.optimizer === 'adam') return adam(cfg.lr);
  return tf.train.momentum(cfg.lr, cfg.momentum ?? DEFAULT_MOMENTUM);
}

/** Learning rate for an epoch: constant, step (÷10 at 50% and 75% of training), or cosine. */
export function learningRateAt(
  cfg: TrainConfig,
  epoch: number,
  stepInEpoch: number,
  stepsPerEpoch: number,
): number {
  const t = (epoch + stepInEpoch / stepsPerEpoch) / cfg.epochs;
  switch (cfg.schedule ?? 'constant') {
    case 'constant':
      return cfg.lr;
    case 'step':
      return cfg.lr * (t >= 0.75 ? 0.01 : t >= 0.5 ? 0.1 : 1);
    case 'cosine':
      return cfg.lr * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
  }
}

/**
 * tfjs's Adam keeps its rate in a field without a setter (SGD/momentum have setLearningRate);
 * the schedule writes it directly, which is what the optimizer reads on every applyGradients.
 */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  // Duck-typed: tfjs optimizers override Symbol.hasInstance, so `adam instanceof SGDOptimizer` is true.
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Optimizer state as bytes (same encoding as TF.js weights) for epoch snapshots. */
export async function encodeOptimizerState(
  opt: tf.Optimizer,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Buffer }> {
  const named = await opt.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() returns the optimizer's own slot variables plus a fresh 'iter' scalar: only that
  // one belongs to us.
  named.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  const ab = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return { specs, data: Buffer.from(ab) };
}

export async function restoreOptimizerState(
  opt: tf.Optimizer,
  specs: tf.io.WeightsManifestEntry[],
  data: Buffer,
): Promise<void> {
  const ab = new Uint8Array(data).buffer;
  const map = tf.io.decodeWeights(ab, specs);
  // Order matters: tfjs optimizers match slots to variables by position, not by name.
  await opt.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name] as tf.Tensor })));
}
