import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';
import { reluConv2d } from './reluConv2d';

/**
 * conv32-conv64-dense128: the reference workload of the bench (bench/README.md). Other widths give
 * the width variant of Figure 3's architectures (registry.ts).
 */
export function buildCnn(
  input: tfl.SymbolicTensor,
  init: SeededInit,
  widths: { convs: number[]; dense: number } = { convs: [32, 64], dense: 128 },
): tfl.SymbolicTensor {
  let x = input;
  for (const filters of widths.convs) {
    x = reluConv2d({ filters, kernelSize: 3, padding: 'same', ...init.conv() }).apply(
      x,
    ) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  return tfl.layers
    .dense({ units: widths.dense, activation: 'relu', ...init.conv() })
    .apply(x) as tfl.SymbolicTensor;
}
