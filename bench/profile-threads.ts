/**
 * Threaded wasm check: the cnn's heaviest kernels with N pthreads (src/engine/kernels/threads/threads.ts)
 * and a checksum of their results, to compare runs with 1 and 2 threads (results must be equal).
 * Usage: npx tsx bench/profile-threads.ts [threads=2] [reps=20]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend/ladder';

const threads = Number(process.argv[2] ?? 2);
const reps = Number(process.argv[3] ?? 20);

void (async () => {
  process.env.RFL_WASM_THREADS = String(threads);
  const info = await initBackend('wasm');
  console.log(info.ladder.find((l) => l.status === 'chosen')?.reason);
  const u = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
  const [x, w, dy] = [u([128, 14, 14, 32], 1), u([3, 3, 32, 64], 2), u([128, 14, 14, 64], 3)];
  const c = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as const;
  const kernels: Array<[string, () => tf.Tensor]> = [
    ['conv2 fwd', () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')],
    [
      'conv2 dW',
      () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...c, filterShape: w.shape }),
    ],
    [
      'conv2 dx',
      () =>
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...c, inputShape: x.shape }),
    ],
  ];
  for (const [name, f] of kernels) {
    const r0 = f();
    const checksum = (await tf.sum(tf.abs(r0)).data())[0]!;
    r0.dispose();
    const ts: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      f().dispose();
      ts.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(c0);
    const median = [...ts].sort((a, b) => a - b)[Math.floor(reps / 2)]!;
    console.log(
      `threads ${threads} ${name}: wall min ${Math.min(...ts).toFixed(1)} median ${median.toFixed(1)} ms,`,
      `cpu/call ${((cpu.user + cpu.system) / 1000 / reps).toFixed(1)} ms, checksum ${checksum}`,
    );
  }
})();
