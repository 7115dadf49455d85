/**
 * Zeroing tensors on the wasm heap with our `zero` loop (simdLoops.ts) instead of
 * TypedArray.fill, which is slow on the threaded build's shared memory (see there).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, type TI } from './call';
import { addressOf, loopThreadsFor } from './simd';
import { splitRange, type Call } from '../threads/loopThreads';

/** The call that zeroes `bytes` bytes from `address`, for a thread's program. */
export const zeroCall = (address: number, bytes: number): Call => ({
  fn: 'zero',
  args: [address, bytes],
});

/** Zeroes a float32 tensor, split across our threads when it is large. */
export function zeroFill(backend: BackendWasm, t: TI): void {
  const threads = loopThreadsFor(backend);
  if (!threads) return void heapF32(backend, t).fill(0);
  const at = addressOf(backend, t);
  const floats = t.shape.reduce((a, b) => a * b, 1);
  threads.run(
    splitRange(floats, threads.size, 4).map(([a, b]) => [zeroCall(at + 4 * a, 4 * (b - a))]),
  );
}
