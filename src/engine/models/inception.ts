import * as tfl from '@tensorflow/tfjs-layers';
import type { SeededInit } from './init';
import { linearConv2d, reluConv2d } from './reluConv2d';

type T = tfl.SymbolicTensor;

interface Widths {
  b1: number;
  b3reduce: number;
  b3: number;
  b5reduce: number;
  b5: number;
  pool: number;
}

/**
 * An Inception module (Szegedy et al. 2015): 1×1; 1×1 → 3×3; 1×1 → 5×5 (as two 3×3, Inception
 * v2's factorisation); 3×3 max-pool → 1×1. The branches' last convolutions are linear and one ReLU
 * follows their concatenation: the same function as a ReLU per branch, and it leaves the
 * representation ending in a ReLU layer for the inversion's fake ReLU (inversionRep.ts).
 */
function module(x: T, w: Widths, init: SeededInit): T {
  const conv = (y: T, filters: number, k: number, relu: boolean) =>
    (relu
      ? reluConv2d({ filters, kernelSize: k, padding: 'same', ...init.conv() })
      : linearConv2d({ filters, kernelSize: k, padding: 'same', ...init.conv() })
    ).apply(y) as T;
  const b1 = conv(x, w.b1, 1, false);
  const b3 = conv(conv(x, w.b3reduce, 1, true), w.b3, 3, false);
  const b5 = conv(conv(conv(x, w.b5reduce, 1, true), w.b5, 3, true), w.b5, 3, false);
  const pooled = tfl.layers
    .maxPooling2d({ poolSize: 3, strides: 1, padding: 'same' })
    .apply(x) as T;
  const bp = conv(pooled, w.pool, 1, false);
  const cat = tfl.layers.concatenate({ axis: -1 }).apply([b1, b3, b5, bp]) as T;
  return tfl.layers.activation({ activation: 'relu' }).apply(cat) as T;
}

/** A small Inception-style net: stem conv 3×3 32 → pool, two modules with a pool between, global average pool. */
export function buildInception(input: T, init: SeededInit): T {
  let x = reluConv2d({ filters: 32, kernelSize: 3, padding: 'same', ...init.conv() }).apply(
    input,
  ) as T;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as T;
  x = module(x, { b1: 16, b3reduce: 16, b3: 24, b5reduce: 8, b5: 8, pool: 8 }, init);
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as T;
  x = module(x, { b1: 32, b3reduce: 24, b3: 48, b5reduce: 12, b5: 16, pool: 16 }, init);
  return tfl.layers.globalAveragePooling2d({}).apply(x) as T;
}
