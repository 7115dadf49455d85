/**
 * A/B of Conv2DBackpropFilter forms at the small ResNet's shapes (batch 128): 'auto' (Winograd
 * for stride-1 3×3, else the im2col GEMM) against Winograd off (the GEMM everywhere), calls
 * alternating so that the shared machine's load hits both alike.
 * Usage: npx tsx bench/ab-dw.ts [reps=8]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setupBackends } from '../test/unit/kernels/helpers';
import { setWinogradStrategy } from '../src/engine/kernels/conv/winograd';

const reps = Number(process.argv[2] ?? 8);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

void (async () => {
  await setupBackends();
  await tf.setBackend('wasm');
  // [x, dy, filter, stride]
  const cases: Array<[string, number[], number[], number[], number]> = [
    ['3x3 s1 16→16 (28)', [128, 28, 28, 16], [128, 28, 28, 16], [3, 3, 16, 16], 1],
    ['3x3 s2 16→32 (28→14)', [128, 28, 28, 16], [128, 14, 14, 32], [3, 3, 16, 32], 2],
    ['3x3 s1 32→32 (14)', [128, 14, 14, 32], [128, 14, 14, 32], [3, 3, 32, 32], 1],
    ['3x3 s2 32→64 (14→7)', [128, 14, 14, 32], [128, 7, 7, 64], [3, 3, 32, 64], 2],
    ['3x3 s1 64→64 (7)', [128, 7, 7, 64], [128, 7, 7, 64], [3, 3, 64, 64], 1],
  ];
  for (const [name, xShape, dyShape, fShape, s] of cases) {
    const [x, dy] = [tf.randomUniform(xShape), tf.randomUniform(dyShape)];
    const call = () => {
      const fresh = tf.mul(dy, 1);
      try {
        return tf
          .engine()
          .runKernel<tf.Tensor>(
            'Conv2DBackpropFilter',
            { x, dy: fresh },
            { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1, filterShape: fShape },
          );
      } finally {
        fresh.dispose();
      }
    };
    const t: Record<string, number[]> = { auto: [], off: [] };
    for (let r = 0; r < reps + 1; r++) {
      for (const k of ['auto', 'off'] as const) {
        setWinogradStrategy(k);
        const t0 = performance.now();
        call().dispose();
        if (r > 0) t[k]!.push(performance.now() - t0);
      }
    }
    setWinogradStrategy('auto');
    const f = (w: number[]) => `min ${Math.min(...w).toFixed(1)} med ${median(w).toFixed(1)}`;
    console.log(`${name.padEnd(24)} auto ${f(t.auto!)}  winograd off ${f(t.off!)} ms`);
    tf.dispose([x, dy]);
  }
})();
