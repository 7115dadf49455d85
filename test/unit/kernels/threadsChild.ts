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
  const addressOf = (t: tf.Tensor): number =>
    (tf.backend() as BackendWasm).dataIdMap.get(t.dataId).memoryOffset;
  // A helper whose program traps (a read past the end of memory) makes run() throw here, and
  // the helper keeps serving: the next run still works. This thread's own program is long (a
  // quarter of a second, scheduling delays on a loaded machine being milliseconds) so that the
  // helper, not this thread, takes the trapping one.
  let trap = '';
  const busy = tf.fill([1 << 20], -1);
  const busyAt = addressOf(busy);
  // (after busy's allocation, which may grow the memory)
  const end = ((tf.backend() as BackendWasm).wasm as unknown as { wasmMemory: WebAssembly.Memory })
    .wasmMemory.buffer.byteLength;
  try {
    loops?.run([
      Array.from({ length: 1000 }, () => ({ fn: 'relu', args: [busyAt, busyAt, 4 << 20] })),
      [{ fn: 'relu', args: [end - 16, end - 16, 64] }],
    ]);
  } catch (e) {
    trap = errorMessage(e);
  }
  busy.dispose();
  // A program too long for a helper's command block runs on this thread instead.
  const buf = tf.fill([1024], -1);
  const at = addressOf(buf);
  const before = loops?.helperPrograms ?? 0;
  loops?.run([[], Array.from({ length: 14000 }, () => ({ fn: 'relu', args: [at, at, 4096] }))]);
  const longRanHere = (loops?.helperPrograms ?? 0) === before && buf.dataSync()[0] === 0;
  buf.dispose();
  const after = threadCases().relu!();
  const afterTrap =
    Buffer.from((after.dataSync() as Float32Array).buffer).toString('base64') === out.relu;
  after.dispose();
  // A program that no helper takes (here: the helper is gone) runs on this thread once its own
  // is done, instead of waiting for the helper.
  const size = loops?.size;
  await (
    loops as unknown as { helpers: { worker: { terminate(): Promise<number> } }[] }
  )?.helpers[0]?.worker.terminate();
  const orphan = tf.fill([1024], -1);
  const helpedBefore = loops?.helperPrograms ?? 0;
  loops?.run([[], [{ fn: 'relu', args: [addressOf(orphan), addressOf(orphan), 4096] }]]);
  const untakenRanHere =
    (loops?.helperPrograms ?? 0) === helpedBefore && (await orphan.data()).every((v) => v === 0);
  orphan.dispose();
  console.log(
    JSON.stringify({
      threads: wasm.getThreadsCount(),
      loopThreads: size,
      helperPrograms: loops?.helperPrograms,
      trap,
      afterTrap,
      longRanHere,
      untakenRanHere,
      out,
    }),
  );
})();
