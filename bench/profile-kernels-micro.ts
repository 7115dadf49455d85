/**
 * Single-kernel timings on the wasm backend at the reference cnn's shapes (batch 128), our
 * kernel vs. the alternative form where there is one, and the stock kernel where ours replaced
 * it. Usage: npx tsx bench/profile-kernels-micro.ts [group=all|conv|dw|dx|mm|gemm|pool|bn|wino] [reps=20]
 * (gemm: the stock GEMM with a cached and a fresh right operand against our GEMM loop)
 * (wino: Winograd vs direct 3×3 convolutions at the small ResNet's stride-1 shapes)
 * Prints the minimum wall time (the least disturbed run: the machine is shared) and the average
 * process CPU time per call.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { setupBackends } from '../test/unit/kernels/helpers';
import { withScope } from '../src/engine/kernels/wasm/call';
import { setFilterGradStrategy } from '../src/engine/kernels/conv/convFilterGemm';
import { setInputGradStrategy } from '../src/engine/kernels/conv/convInputGemm';
import { setWinogradStrategy } from '../src/engine/kernels/conv/winograd';
import { setConv1 } from '../src/engine/kernels/conv/conv1';

const group = process.argv[2] ?? 'all';
const reps = Number(process.argv[3] ?? 20);
const want = (g: string) => group === 'all' || group === g;

function time(name: string, f: () => tf.Tensor): void {
  f().dispose();
  const ts: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f(); // wasm kernels run synchronously
    ts.push(performance.now() - t0);
    r.dispose();
  }
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000 / reps;
  console.log(
    `${name.padEnd(36)} wall min ${Math.min(...ts)
      .toFixed(2)
      .padStart(7)}  cpu avg ${cpu.toFixed(2).padStart(7)}`,
  );
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
  tf.engine().runKernel<tf.Tensor>(name, inputs, attrs as tf.NamedAttrMap);

void (async () => {
  await setupBackends();
  await tf.setBackend('wasm');
  const u = (shape: number[]) => tf.randomUniform(shape);
  const [x1, w1, dy1] = [u([128, 28, 28, 1]), u([3, 3, 1, 32]), u([128, 28, 28, 32])];
  const [x2, w2, dy2] = [u([128, 14, 14, 32]), u([3, 3, 32, 64]), u([128, 14, 14, 64])];
  const c = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  // dY is a fresh tensor on every call (its copy, ≈ 1 ms, is timed too), as in training: the
  // stock GEMM caches its packed right operand per tensor, so reusing one dY would hide the
  // packing that every training step pays.
  const dW = (x: tf.Tensor, dy: tf.Tensor, f: tf.Tensor) => () => {
    const fresh = tf.mul(dy, 1);
    try {
      return run('Conv2DBackpropFilter', { x, dy: fresh }, { ...c, filterShape: f.shape })();
    } finally {
      fresh.dispose();
    }
  };
  const dX = (x: tf.Tensor, dy: tf.Tensor, filter: tf.Tensor) =>
    run('Conv2DBackpropInput', { dy, filter }, { ...c, inputShape: x.shape });
  const b2 = u([64]);
  const fused = { ...c, activation: 'relu' };
  if (want('conv')) {
    time('conv1 fwd (direct loop)', run('Conv2D', { x: x1, filter: w1 }, c));
    setConv1(false);
    time('conv1 fwd (XNNPACK)', run('Conv2D', { x: x1, filter: w1 }, c));
    setConv1(true);
    for (const st of ['auto', 'off'] as const) {
      setWinogradStrategy(st);
      const form = st === 'auto' ? 'winograd' : 'direct';
      time(`conv2 fwd (${form})`, run('Conv2D', { x: x2, filter: w2 }, c));
      time(
        `conv2 fused+bias+relu (${form})`,
        run('FusedConv2D', { x: x2, filter: w2, bias: b2 }, fused),
      );
    }
    setWinogradStrategy('auto');
  }
  if (want('dw')) {
    // conv2 (32 channels in) takes Winograd by default; conv1 (1 channel) the direct loops of
    // conv1.ts (a forced form below is that form). Winograd runs before and after the others, to
    // see the load drift between them.
    time('conv2 dW (winograd)', dW(x2, dy2, w2));
    time('conv1 dW (direct loops)', dW(x1, dy1, w1));
    setWinogradStrategy('off');
    for (const st of ['gemm', 'conv'] as const) {
      setFilterGradStrategy(st);
      time(`conv1 dW (${st} form)`, dW(x1, dy1, w1));
      time(`conv2 dW (${st} form)`, dW(x2, dy2, w2));
    }
    setFilterGradStrategy('auto');
    setWinogradStrategy('auto');
    time('conv2 dW (winograd)', dW(x2, dy2, w2));
  }
  if (want('dx')) {
    time('conv1 dx (direct loops)', dX(x1, dy1, w1));
    for (const st of ['gemm', 'conv'] as const) {
      setInputGradStrategy(st);
      time(`conv1 dx (${st} form)`, dX(x1, dy1, w1));
      time(`conv2 dx (${st} form)`, dX(x2, dy2, w2));
    }
    // The conv form of conv2's dx with Winograd off (above: on, the default).
    setWinogradStrategy('off');
    time('conv2 dx (conv form, direct)', dX(x2, dy2, w2));
    setWinogradStrategy('auto');
    setInputGradStrategy('auto');
  }
  if (want('wino')) {
    // Direct and Winograd calls alternate, so both see the same load.
    for (const [hw, ci, co] of [
      [14, 32, 64],
      [14, 64, 32],
      [28, 16, 16],
      [14, 32, 32],
      [7, 64, 64],
      [28, 32, 32],
    ] as const) {
      const [x, w] = [u([128, hw, hw, ci]), u([3, 3, ci, co])];
      const ts = { off: [] as number[], auto: [] as number[] };
      for (let i = 0; i < reps; i++) {
        for (const st of ['off', 'auto'] as const) {
          setWinogradStrategy(st);
          const t0 = performance.now();
          run('Conv2D', { x, filter: w }, c)().dispose();
          ts[st].push(performance.now() - t0);
        }
      }
      setWinogradStrategy('auto');
      const m = (a: number[]) => Math.min(...a).toFixed(2);
      console.log(`${hw}×${hw}×${ci}→${co} fwd: direct ${m(ts.off)}  winograd ${m(ts.auto)}`);
    }
  }
  if (want('mm')) {
    const [a, w, d] = [u([128, 3136]), u([3136, 128]), u([128, 128])];
    time(
      'matmul fwd 128×3136×128',
      run('BatchMatMul', { a, b: w }, { transposeA: false, transposeB: false }),
    );
    time(
      'matmul d·Wᵀ (transposeB)',
      run('BatchMatMul', { a: d, b: w }, { transposeA: false, transposeB: true }),
    );
    time(
      'matmul aᵀ·d (transposeA)',
      run('BatchMatMul', { a, b: d }, { transposeA: true, transposeB: false }),
    );
  }
  if (want('gemm')) {
    // The stock BatchMatMul (XNNPACK, called directly) with the same right operand every call
    // (its packed copy is cached) and with a fresh one (re-packed each call, as every gradient
    // GEMM in training), against our GEMM loop (what BatchMatMul runs for these shapes; fused
    // multiply-adds unless RFL_WASM_FMA=0). The fresh operand's copy (≈ 0.1–1 ms) is timed too.
    const backend = tf.backend() as BackendWasm;
    const stock = (a: tf.Tensor, b: tf.Tensor) => () =>
      tf
        .engine()
        .makeTensorFromTensorInfo(
          withScope(backend, (s) =>
            s.run(
              'BatchMatMul',
              { a: s.reshape(a, [1, ...a.shape]), b: s.reshape(b, [1, ...b.shape]) },
              { transposeA: false, transposeB: false },
            ),
          ),
        );
    for (const [m, k, n] of [
      [512, 512, 512],
      [128, 3136, 128],
      [3136, 128, 128],
      [6272, 32, 64],
      [32, 6272, 64],
    ] as const) {
      const [a, b] = [u([m, k]), u([k, n])];
      time(`${m}×${k}×${n} stock, cached B`, stock(a, b));
      time(`${m}×${k}×${n} stock, fresh B`, () => {
        const fresh = tf.mul(b, 1);
        try {
          return stock(a, fresh)();
        } finally {
          fresh.dispose();
        }
      });
      time(
        `${m}×${k}×${n} ours`,
        run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }),
      );
      tf.dispose([a, b]);
    }
  }
  if (want('pool')) {
    for (const [x, name] of [
      [dy1, '128×28×28×32'],
      [dy2, '128×14×14×64'],
    ] as const) {
      const y = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
      const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
      time(`MaxPoolGrad ${name}`, run('MaxPoolGrad', { dy: y, input: x, output: y }, attrs));
      time(`Sum over N,H,W ${name}`, run('Sum', { x }, { axis: [0, 1, 2], keepDims: false }));
    }
  }
  if (want('bn')) {
    const [a, v, v4] = [u([128, 28, 28, 16]), u([16]), u([1, 1, 1, 16])];
    time(
      'Mean over N,H,W 128×28×28×16',
      run('Mean', { x: a }, { axis: [0, 1, 2], keepDims: true }),
    );
    time('Tile [1,1,1,16] → 128×28×28×16', run('Tile', { x: v4 }, { reps: [128, 28, 28, 1] }));
    const bn = { x: a, mean: v, variance: v, offset: v, scale: v };
    time('FusedBatchNorm 128×28×28×16', run('FusedBatchNorm', bn, { varianceEpsilon: 1e-3 }));
    time('Multiply by [C] (bn gradient)', run('Multiply', { a, b: v }, {}));
  }
})();
