/** Shared set-up for the kernel tests: cpu and wasm (+ our kernels) in one process. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers gradients only on request (tfjs-layers does it too).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { registerWasmKernels } from '../../../src/engine/kernels/register';

let ready: Promise<void> | undefined;
export function setupBackends(): Promise<void> {
  ready ??= (async () => {
    const dir = path.dirname(
      createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
    );
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    // One thread: tests compare with cpu; threads.test.ts covers the threaded build.
    registerWasmKernels({ threads: 1 });
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed');
    await tf.setBackend('cpu');
  })();
  return ready;
}

/** Runs f on `backend` with inputs copied there, returning plain arrays. */
export async function on(
  backend: 'cpu' | 'wasm',
  f: () => tf.Tensor,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const t = tf.tidy(f);
  const values = (await t.data()) as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { shape, values };
}

/** Max |a−b| relative to max(1, max|b|). */
export function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0,
    m = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** Deterministic pseudo-random data (tf.randomUniform differs between backends). */
export function rand(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs the kernel on both backends with the same inputs; returns the relative error. */
export async function compare(
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: object,
): Promise<number> {
  const run = (b: 'cpu' | 'wasm') =>
    on(b, () => {
      const ins = Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]),
      );
      return tf.engine().runKernel<tf.Tensor>(kernel, ins, attrs as tf.NamedAttrMap);
    });
  const [a, b] = [await run('cpu'), await run('wasm')];
  assert.deepEqual(b.shape, a.shape);
  return relErr(b.values, a.values);
}

/** Convolution padding: 'same', 'valid' or explicit NHWC pads of 0–2 per side. */
export const padArb = fc.oneof(
  fc.constantFrom('same', 'valid'),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([t, b, l, r]) => [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ]),
);
