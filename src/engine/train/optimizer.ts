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

/**
 * Adam's bias-correction powers β1ᵗ⁺¹, β2ᵗ⁺¹ as the optimizer holds them. tfjs's
 * AdamOptimizer.getWeights does not save them and its setWeights recomputes them as
 * pow(β, t + 1), while training accumulates them by repeated float32 multiplication: the two
 * differ in the last bits at many t (e.g. β2 = 0.999 at t = 2, 5, 18…), and every step after a
 * resume would then move the weights slightly differently. Saved under these names next to
 * tfjs's own slots and assigned back after setWeights, the next step is the uninterrupted one.
 */
const ADAM_POWERS = ['rfl/adam/accBeta1', 'rfl/adam/accBeta2'] as const;

interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Duck-typed: tfjs optimizers override Symbol.hasInstance, so instanceof cannot tell them apart. */
function adamPowers(opt: tf.Optimizer): AdamPowers | undefined {
  const o = opt as unknown as Partial<AdamPowers>;
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable
    ? (o as AdamPowers)
    : undefined;
}

/** Optimizer state as bytes (same encoding as TF.js weights) for epoch snapshots. */
export async function encodeOptimizerState(
  opt: tf.Optimizer,
  canonical: Map<string, string> = new Map(),
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Buffer }> {
  const named = await opt.getWeights();
  const powers = adamPowers(opt);
  const extra: { name: string; tensor: tf.Tensor }[] = powers
    ? [
        { name: ADAM_POWERS[0], tensor: powers.accBeta1 },
        { name: ADAM_POWERS[1], tensor: powers.accBeta2 },
      ]
    : [];
  // Slots are named after their variable ('logits/kernel_1/m'); saved under the variable's
  // canonical name (models/canonicalNames.ts) so the snapshot does not depend on the process.
  // Only labels: restore matches slots by position.
  const slotName = (name: string) => {
    const cut = name.lastIndexOf('/');
    const to = cut < 0 ? undefined : canonical.get(name.slice(0, cut));
    return to === undefined ? name : to + name.slice(cut);
  };
  const { data, specs } = await tf.io.encodeWeights([
    ...named.map((w) => ({ name: slotName(w.name), tensor: w.tensor })),
    ...extra,
  ]);
  // getWeights() returns the optimizer's own slot variables plus a fresh 'iter' scalar: only that
  // one belongs to us.
  named.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  const ab = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return { specs, data: Buffer.from(ab) };
}

/**
 * Restores what encodeOptimizerState saved. Returns false when the next step cannot be the
 * uninterrupted one: an Adam state saved without its accumulated powers (older snapshots), so
 * tfjs's recomputed pow(β, t + 1) is used instead.
 */
export async function restoreOptimizerState(
  opt: tf.Optimizer,
  specs: tf.io.WeightsManifestEntry[],
  data: Buffer,
): Promise<{ exact: boolean }> {
  const ab = new Uint8Array(data).buffer;
  const map = tf.io.decodeWeights(ab, specs);
  const isPower = (name: string) => (ADAM_POWERS as readonly string[]).includes(name);
  // Order matters: tfjs optimizers match slots to variables by position, not by name.
  await opt.setWeights(
    specs
      .filter((s) => !isPower(s.name))
      .map((s) => ({ name: s.name, tensor: map[s.name] as tf.Tensor })),
  );
  const powers = adamPowers(opt);
  const [b1, b2] = ADAM_POWERS.map((name) => map[name]);
  let exact = true;
  if (powers) {
    if (b1 && b2) {
      powers.accBeta1.assign(b1);
      powers.accBeta2.assign(b2);
    } else exact = false;
  }
  // The optimizer's variables share these tensors' data (setWeights wraps each in a variable,
  // assign takes the data over): the decoded tensors themselves are not needed any more.
  tf.dispose(Object.values(map));
  return { exact };
}
