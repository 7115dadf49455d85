import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';
import { reluConv2d } from './reluConv2d';

/** A small VGG-style net: two blocks of two 3×3 convs and a max-pool, then dense 128. */
export function buildVgg(input: tfl.SymbolicTensor, init: SeededInit): tfl.SymbolicTensor {
  let x = input;
  for (const filters of [32, 64]) {
    for (let i = 0; i < 2; i++) {
      x = reluConv2d({ filters, kernelSize: 3, padding: 'same', ...init.conv() }).apply(
        x,
      ) as tfl.SymbolicTensor;
    }
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  return tfl.layers
    .dense({ units: 128, activation: 'relu', ...init.conv() })
    .apply(x) as tfl.SymbolicTensor;
}
