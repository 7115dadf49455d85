import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';
import { linearConv2d } from './reluConv2d';
import { batchNormalization } from './batchNorm';

type T = tfl.SymbolicTensor;

function convBn(x: T, filters: number, strides: number, init: SeededInit, relu: boolean): T {
  let y = linearConv2d({
    filters,
    kernelSize: 3,
    strides,
    padding: 'same',
    useBias: false,
    ...init.conv(),
  }).apply(x) as T;
  y = batchNormalization({ momentum: 0.9 }).apply(y) as T;
  return relu ? (tfl.layers.activation({ activation: 'relu' }).apply(y) as T) : y;
}

/** A basic residual block (He et al. 2016); a 1×1 projection where the shape changes. */
function block(x: T, filters: number, strides: number, init: SeededInit): T {
  const inFilters = x.shape[x.shape.length - 1];
  let y = convBn(x, filters, strides, init, true);
  y = convBn(y, filters, 1, init, false);
  let shortcut = x;
  if (strides !== 1 || inFilters !== filters) {
    shortcut = linearConv2d({
      filters,
      kernelSize: 1,
      strides,
      padding: 'same',
      useBias: false,
      ...init.conv(),
    }).apply(x) as T;
    shortcut = batchNormalization({ momentum: 0.9 }).apply(shortcut) as T;
  }
  const sum = tfl.layers.add().apply([y, shortcut]) as T;
  return tfl.layers.activation({ activation: 'relu' }).apply(sum) as T;
}

/**
 * A small ResNet: stem 16, stages 16/32/64 of `blocksPerStage` blocks each (1; 3 is the depth
 * variant, ResNet-20's layout), global average pool.
 */
export function buildResnet(input: T, init: SeededInit, blocksPerStage = 1): T {
  let x = convBn(input, 16, 1, init, true);
  for (const [filters, strides] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ] as const)
    for (let b = 0; b < blocksPerStage; b++) x = block(x, filters, b === 0 ? strides : 1, init);
  return tfl.layers.globalAveragePooling2d({}).apply(x) as T;
}
