/** A zoo model whose every weight is seeded noise, batch-norm statistics included (a fresh
 * model's moving mean 0 and variance 1 would make folding them trivially exact). */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, type ArchName, type BuiltModel } from '../../../src/engine/models/registry';

export function randomisedModel(
  arch: ArchName,
  inputShape: [number, number, number],
  seed: number,
): BuiltModel {
  const built = buildModel(arch, { inputShape, numClasses: 10, seed });
  built.model.weights.forEach((w, i) => {
    const s = seed * 1000 + i;
    const shape = w.shape as number[];
    w.write(
      /moving_variance|gamma/.test(w.name)
        ? tf.randomUniform(shape, 0.5, 1.5, 'float32', s)
        : tf.randomNormal(shape, 0, /kernel/.test(w.name) ? 0.3 : 0.2, 'float32', s),
    );
  });
  return built;
}
