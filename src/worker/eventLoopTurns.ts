/**
 * Gives the worker's event loop a turn while the engine computes.
 *
 * Why: the engine's loops await only promises that are already resolved (on the wasm and cpu
 * backends `tensor.data()` settles in a microtask), so a whole training run can finish without
 * Node ever polling I/O. The IPC channel is then never read: `$/cancelRequest` waits until the
 * job has ended (measured: a cancel took effect only when the 5 s grace kill fired) and the
 * heartbeat timer never fires. Writes still go out, which is why progress looked healthy.
 *
 * Fix here, without touching the engine: wrap `Tensor.prototype.data` (every engine loop reads
 * its loss or predictions through it) so that, at most every `everyMs`, the read resolves after a
 * `setImmediate`, i.e. after one pass of the event loop. Cost: one macrotask per 50 ms.
 * If the engine ever yields by itself (e.g. at each progress tick), this stays harmless.
 */
import * as tf from '@tensorflow/tfjs-core';

let installed = false;

export function installEventLoopTurns(everyMs = 50): void {
  if (installed) return;
  installed = true;
  const proto = tf.Tensor.prototype as {
    data: (this: tf.Tensor) => Promise<tf.backend_util.BackendValues>;
  };
  const original = proto.data;
  let last = Date.now();
  proto.data = async function (this: tf.Tensor) {
    const values = await original.call(this);
    if (Date.now() - last >= everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = Date.now();
    }
    return values;
  };
}
