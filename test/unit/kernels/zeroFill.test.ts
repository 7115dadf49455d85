/**
 * zeroFill (src/engine/kernels/wasm/zeroFill.ts) on the wasm heap: every float of the tensor
 * becomes 0, whole vectors and the 1–3 floats after them, split across threads or not, and the
 * floats just past the tensor stay as they were.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { setupBackends } from './helpers';
import { zeroFill } from '../../../src/engine/kernels/wasm/zeroFill';
import { heapF32 } from '../../../src/engine/kernels/wasm/call';

before(setupBackends);

test('zeroFill zeroes exactly the tensor, any length', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  try {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 140_000 }), (n) => {
        // One allocation, the tensor a view of its first n floats: the rest must stay 1.
        const whole = tf.fill([n + 8], 1);
        const view = { ...whole, shape: [n] } as unknown as tf.Tensor;
        zeroFill(backend, view);
        const v = heapF32(backend, whole);
        for (let i = 0; i < n; i++) assert.equal(v[i], 0, `float ${i} of ${n}`);
        for (let i = n; i < n + 8; i++) assert.equal(v[i], 1, `float ${i} past ${n}`);
        whole.dispose();
      }),
      { numRuns: 60, seed: 21 },
    );
  } finally {
    await tf.setBackend('cpu');
  }
});
