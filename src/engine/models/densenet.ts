import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';
import { linearConv2d } from './reluConv2d';

type T = tfl.SymbolicTensor;

const bnRelu = (x: T): T => {
  const y = tfl.layers.batchNormalization({ momentum: 0.9 }).apply(x) as T;
  return tfl.layers.activation({ activation: 'relu' }).apply(y) as T;
};

/**
 * A dense block (Huang et al. 2017): each layer, BN → ReLU → conv 3×3 with `growth` filters, sees
 * the concatenation of the block's input and every earlier layer's output.
 */
function denseBlock(x: T, layers: number, growth: number, init: SeededInit): T {
  for (let i = 0; i < layers; i++) {
    const y = linearConv2d({
      filters: growth,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      ...init.conv(),
    }).apply(bnRelu(x)) as T;
    x = tfl.layers.concatenate({ axis: -1 }).apply([x, y]) as T;
  }
  return x;
}

/** Transition: BN → ReLU → conv 1×1 halving the channels → average pool 2. */
function transition(x: T, init: SeededInit): T {
  const channels = x.shape[x.shape.length - 1] as number;
  const y = linearConv2d({
    filters: Math.floor(channels / 2),
    kernelSize: 1,
    useBias: false,
    ...init.conv(),
  }).apply(bnRelu(x)) as T;
  return tfl.layers.averagePooling2d({ poolSize: 2 }).apply(y) as T;
}

/**
 * A small DenseNet: stem conv 3×3 24, three dense blocks of 4 layers (growth 12) with transitions
 * between, BN → ReLU → global average pool. The ReLU before the pool is g's last, for the
 * inversion's fake ReLU (inversionRep.ts).
 */
export function buildDensenet(input: T, init: SeededInit): T {
  let x = linearConv2d({
    filters: 24,
    kernelSize: 3,
    padding: 'same',
    useBias: false,
    ...init.conv(),
  }).apply(input) as T;
  for (let b = 0; b < 3; b++) {
    x = denseBlock(x, 4, 12, init);
    if (b < 2) x = transition(x, init);
  }
  return tfl.layers.globalAveragePooling2d({}).apply(bnRelu(x)) as T;
}
