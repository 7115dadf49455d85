import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';

export function buildMlp(input: tfl.SymbolicTensor, init: SeededInit): tfl.SymbolicTensor {
  let x = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({ units: 256, activation: 'relu', ...init.conv() })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.layers
    .dense({ units: 128, activation: 'relu', ...init.conv() })
    .apply(x) as tfl.SymbolicTensor;
}
