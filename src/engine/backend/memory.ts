/**
 * This thread's share of memory, for the per-epoch records: the wasm backend's heap (one per
 * thread: a pool thread has its own instance) and the JS heap of this isolate. Process RSS counts
 * every thread at once, so growth in one thread cannot be told from a busy neighbour by RSS alone.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Size of the wasm backend's linear memory in MiB (it grows and never shrinks), if on wasm. */
export function wasmHeapMiB(): number | undefined {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  const bytes = wasm?.HEAPU8?.buffer.byteLength;
  return bytes === undefined ? undefined : Math.round(bytes / 2 ** 20);
}

export function jsHeapMiB(): number {
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}
