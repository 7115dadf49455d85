/**
 * A/B of Conv2DBackpropInput forms at the small ResNet's strided shapes (batch 128), the forms
 * alternating call by call so that the shared machine's load hits both alike.
 * Usage: npx tsx bench/ab-dx-strided.ts [reps=10]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setupBackends } from '../test/unit/kernels/helpers';
import { setInputGradStrategy } from '../src/engine/kernels/conv/convInputGemm';

const reps = Number(process.argv[2] ?? 10);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

void (async () => {
  await setupBackends();
  await tf.setBackend('wasm');
  const cases: Array<[string, number[], number[], number[], number]> = [
    ['3x3 s2 16→32 (28→14)', [128, 14, 14, 32], [3, 3, 16, 32], [128, 28, 28, 16], 2],
    ['3x3 s2 32→64 (14→7)', [128, 7, 7, 64], [3, 3, 32, 64], [128, 14, 14, 32], 2],
    ['1x1 s2 16→32 (28→14)', [128, 14, 14, 32], [1, 1, 16, 32], [128, 28, 28, 16], 2],
    ['1x1 s2 32→64 (14→7)', [128, 7, 7, 64], [1, 1, 32, 64], [128, 14, 14, 32], 2],
    ['3x3 s2 3→16 (32→16)', [128, 16, 16, 16], [3, 3, 3, 16], [128, 32, 32, 3], 2],
    ['3x3 s1 16→16 (28)', [128, 28, 28, 16], [3, 3, 16, 16], [128, 28, 28, 16], 1],
  ];
  for (const [name, dyShape, fShape, xShape, s] of cases) {
    const [dy, f] = [tf.randomUniform(dyShape), tf.randomUniform(fShape)];
    const call = () =>
      tf
        .engine()
        .runKernel<tf.Tensor>(
          'Conv2DBackpropInput',
          { dy, filter: f },
          { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1, inputShape: xShape },
        );
    const t: Record<string, number[]> = { auto: [], gemm: [] };
    const out: Record<string, Float32Array> = {};
    for (let r = 0; r < reps + 1; r++) {
      for (const k of ['auto', 'gemm'] as const) {
        setInputGradStrategy(k);
        const t0 = performance.now();
        const y = call();
        const dt = performance.now() - t0;
        if (r > 0) t[k]!.push(dt);
        else out[k] = y.dataSync() as Float32Array;
        y.dispose();
      }
    }
    setInputGradStrategy('auto');
    let d = 0;
    for (let i = 0; i < out.auto!.length; i++)
      d = Math.max(d, Math.abs(out.auto![i]! - out.gemm![i]!));
    console.log(
      `${name.padEnd(24)} auto min ${Math.min(...t.auto!).toFixed(1)} med ${median(t.auto!).toFixed(1)}  gemm min ${Math.min(...t.gemm!).toFixed(1)} med ${median(t.gemm!).toFixed(1)} ms  max|Δ| ${d.toExponential(1)}`,
    );
    tf.dispose([dy, f]);
  }
})();
