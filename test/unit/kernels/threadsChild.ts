/**
 * Child process of threads.test.ts: the wasm backend with 2 pthreads (threads.ts), our kernels
 * on fixed inputs; prints the thread counts (XNNPACK's and our loops'), how many programs our
 * loops handed to their helper thread, and each result as base64 float32 bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../../src/engine/kernels/register';
import { loopThreadsFor } from '../../../src/engine/kernels/wasm/simd';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmDir, threadCases } from './threadCases';
import { errorMessage } from '../../../src/shared/errorMessage';

void (async () => {
  wasm.setWasmPaths(wasmDir());
  registerWasmKernels({ threads: 2 });
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed');
  const out: Record<string, string> = {};
  for (const [name, f] of Object.entries(threadCases())) {
    const t = f();
    out[name] = Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64');
    t.dispose();
  }
  const loops = loopThreadsFor(tf.backend() as BackendWasm);
  // A helper whose program traps (a read past the end of memory) makes run() throw here, and
  // the helper keeps serving: the next run still works.
  let trap = '';
  const end = ((tf.backend() as BackendWasm).wasm as unknown as { wasmMemory: WebAssembly.Memory })
    .wasmMemory.buffer.byteLength;
  try {
    loops?.run([[], [{ fn: 'relu', args: [end - 16, end - 16, 64] }]]);
  } catch (e) {
    trap = errorMessage(e);
  }
  // A program too long for a helper's command block runs on this thread instead.
  const buf = tf.fill([1024], -1);
  const at = (tf.backend() as BackendWasm).dataIdMap.get(buf.dataId).memoryOffset;
  const before = loops?.helperPrograms ?? 0;
  loops?.run([[], Array.from({ length: 14000 }, () => ({ fn: 'relu', args: [at, at, 4096] }))]);
  const longRanHere = (loops?.helperPrograms ?? 0) === before && buf.dataSync()[0] === 0;
  buf.dispose();
  const after = threadCases().relu!();
  const afterTrap =
    Buffer.from((after.dataSync() as Float32Array).buffer).toString('base64') === out.relu;
  after.dispose();
  console.log(
    JSON.stringify({
      threads: wasm.getThreadsCount(),
      loopThreads: loops?.size,
      helperPrograms: loops?.helperPrograms,
      trap,
      afterTrap,
      longRanHere,
      out,
    }),
  );
})();
