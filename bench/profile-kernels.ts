/**
 * Kernel-level profile of a zoo model (src/engine/models, batch 128) on wasm + our kernels.
 * Usage: [SHAPE=32x32x3] npx tsx bench/profile-kernels.ts [reps=5] [model=cnn|mlp|vgg|resnet]
 *   [backend=wasm] [threads]
 * (threads: as RFL_WASM_THREADS, default 'auto' = one per core on the main thread;
 * WINOGRAD=off runs the 3×3 convolutions without Winograd; WINOGRAD=ab alternates off/on step
 * by step and prints only the wall times of both, an A/B comparison robust to the load drifting;
 * ELEMWISE=off|ab does the same for our element-wise kernels (elementwise.ts), those named in
 * ELEMWISE_KEYS=reluGrad,relu,add,mul or all; AB=bn|fold|linconv|tile|conv1: see profile())
 * Prints wall and process-CPU time of a training step and of an input-gradient (PGD) step, and
 * tf.profile kernel times aggregated by kernel name (minimum over 3 profiled steps). The 2-core
 * machine is shared with other jobs, so we report the minimum and 10th percentile over `reps`
 * steps (the least disturbed ones) next to the median, and process CPU time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, parseArch } from '../src/engine/models/registry';
import { initBackend } from '../src/engine/backend/ladder';
import { setWinogradStrategy, setWinogradTile } from '../src/engine/kernels/conv/winograd';
import { setConv1 } from '../src/engine/kernels/conv/conv1';
import { elementwiseOn } from '../src/engine/kernels/elementwise/elementwise';
import { batchNormTrainOn } from '../src/engine/models/batchNorm';
import { linearConvOn } from '../src/engine/models/reluConv2d';
import { foldedInferenceOn, inferenceApply } from '../src/engine/models/foldedInference';
import { adam } from '../src/engine/train/fusedAdam';

const reps = Number(process.argv[2] ?? 5);
const which = parseArch(process.argv[3] ?? 'cnn');
/** $SHAPE: HxWxC of the input (default 28x28x1). */
const shape = (process.env.SHAPE ?? '28x28x1').split('x').map(Number) as [number, number, number];
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const min = (a: number[]) => Math.min(...a);

/** Steps alternately with a feature off and on: min / p10 / median wall time of each. */
function ab(name: string, what: string, set: (on: boolean) => void, f: () => void): void {
  f();
  const walls: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const cpus: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let r = 0; r < reps; r++) {
    for (const st of ['off', 'on'] as const) {
      set(st === 'on');
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      f();
      walls[st].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpus[st].push((c.user + c.system) / 1000);
    }
  }
  set(true);
  for (const st of ['off', 'on'] as const) {
    const w = walls[st];
    const p10 = [...w].sort((a, b) => a - b)[Math.floor(w.length / 10)]!;
    console.log(
      `${name} ${what} ${st.padEnd(3)}: wall min ${min(w).toFixed(1)} / p10 ${p10.toFixed(1)} / median ${median(w).toFixed(1)} ms/step,`,
      `cpu min ${min(cpus[st]).toFixed(1)} / median ${median(cpus[st]).toFixed(1)} ms`,
    );
  }
}

/** Our element-wise kernels named in $ELEMWISE_KEYS (default all) switched on or off. */
const elemKeys = (process.env.ELEMWISE_KEYS?.split(',') ?? Object.keys(elementwiseOn)) as Array<
  keyof typeof elementwiseOn
>;
const setElementwise = (on: boolean) => elemKeys.forEach((k) => (elementwiseOn[k] = on));

/**
 * ELEMWISE=micro: each element-wise op alone on the cnn's activation shapes, stock and ours
 * alternating call by call (min / median ms per call): far less noisy than whole steps.
 */
function microElementwise(): void {
  const shapes = [
    [128, 28, 28, 32],
    [128, 14, 14, 64],
    [128, 128],
  ];
  const cases: Array<
    [string, keyof typeof elementwiseOn, (x: tf.Tensor, y: tf.Tensor, b: tf.Tensor) => tf.Tensor]
  > = [
    ['relu grad', 'reluGrad', (x, y) => tf.grad((t: tf.Tensor) => tf.relu(t))(x, y)],
    ['relu', 'relu', (x) => tf.relu(x)],
    ['bias add', 'add', (x, _, b) => tf.add(x, b)],
    ['add', 'add', (x, y) => tf.add(x, y)],
    ['multiply', 'mul', (x, y) => tf.mul(x, y)],
    ['scalar ×', 'mul', (x) => tf.mul(x, tf.scalar(0.9))],
  ];
  for (const shape of shapes) {
    const [x, y] = [tf.randomNormal(shape), tf.randomNormal(shape)];
    const b = tf.randomNormal([...shape.slice(0, -1).map(() => 1), shape[shape.length - 1]!]);
    for (const [label, key, op] of cases) {
      const t: Record<'off' | 'on', number[]> = { off: [], on: [] };
      for (let r = 0; r < reps * 4; r++) {
        for (const st of ['off', 'on'] as const) {
          elementwiseOn[key] = st === 'on';
          const t0 = performance.now();
          tf.dispose(op(x, y, b));
          t[st].push(performance.now() - t0);
        }
      }
      elementwiseOn[key] = true;
      const f = (w: number[]) => `${min(w).toFixed(2)} / ${median(w).toFixed(2)}`;
      console.log(
        `${label.padEnd(9)} ${shape.join('×').padEnd(14)} stock ${f(t.off)}  ours ${f(t.on)} ms`,
      );
    }
    tf.dispose([x, y, b]);
  }
}

async function profile(name: string, f: () => void): Promise<void> {
  if (process.env.WINOGRAD === 'ab') {
    return ab(name, 'winograd', (on) => setWinogradStrategy(on ? 'auto' : 'off'), f);
  }
  if (process.env.ELEMWISE === 'ab') return ab(name, elemKeys.join('+'), setElementwise, f);
  // AB=bn: batch norm's training kernels (models/batchNorm.ts); AB=linconv: linear convolutions
  // as one FusedConv2D kernel (models/reluConv2d.ts); AB=fold: batch norms folded into the
  // convolutions in inference mode (models/foldedInference.ts, the PGD step); off and on
  // alternating step by step.
  if (process.env.AB === 'bn') return ab(name, 'bn kernels', (on) => (batchNormTrainOn.on = on), f);
  if (process.env.AB === 'fold')
    return ab(name, 'folded bn', (on) => (foldedInferenceOn.on = on), f);
  if (process.env.AB === 'linconv')
    return ab(name, 'linear conv', (on) => (linearConvOn.on = on), f);
  // AB=conv1: the first layer's direct loops (conv1.ts) against the general forms.
  if (process.env.AB === 'conv1') return ab(name, 'conv1 loops', setConv1, f);
  // AB=tile: Winograd's tile chosen per layer (winogradTiles.ts) against F(2×2) everywhere.
  if (process.env.AB === 'tile')
    return ab(name, 'F(4×4) where chosen', (on) => setWinogradTile(on ? undefined : 2), f);
  f();
  const wall: number[] = [];
  const cpu: number[] = [];
  // Timed steps first (many: the minimum catches the machine's idle moments), then a few
  // profiled ones for the per-kernel table (tf.profile adds its own overhead).
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const per: Record<string, number[]> = {};
  for (let r = 0; r < Math.min(reps, 3); r++) {
    const p = await tf.profile(f);
    const agg: Record<string, number> = {};
    for (const k of p.kernels) {
      // BYSHAPE=1: one line per kernel and input shapes (which convolution is slow).
      const key = process.env.BYSHAPE ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
      agg[key] = (agg[key] ?? 0) + (k.kernelTimeMs as number);
    }
    for (const [k, v] of Object.entries(agg)) (per[k] ??= []).push(v);
  }
  const rows = Object.entries(per)
    .map(([k, v]) => [k, min(v)] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, r) => a + r[1], 0);
  const p10 = [...wall].sort((a, b) => a - b)[Math.floor(wall.length / 10)]!;
  console.log(
    `${name}: wall min ${min(wall).toFixed(1)} / p10 ${p10.toFixed(1)} / median ${median(wall).toFixed(1)} ms/step,`,
    `cpu min ${min(cpu).toFixed(1)} / median ${median(cpu).toFixed(1)} ms; kernel-time minima sum ${total.toFixed(1)} ms`,
  );
  const top = Number(process.env.TOP ?? 12);
  for (const [k, v] of rows.slice(0, top)) console.log(`  ${k.padEnd(22)} ${v.toFixed(1)}`);
}

void (async () => {
  if (process.argv[5]) process.env.RFL_WASM_THREADS = process.argv[5];
  if (process.env.WINOGRAD === 'off') setWinogradStrategy('off');
  if (process.env.ELEMWISE === 'off') setElementwise(false);
  const info = await initBackend((process.argv[4] as 'wasm' | undefined) ?? 'wasm');
  console.log(info.ladder.find((l) => l.status === 'chosen')?.reason);
  if (process.env.ELEMWISE === 'micro') return microElementwise();
  const m = buildModel(which, { inputShape: shape, numClasses: 10, seed: 0 }).model;
  const x = tf.randomUniform([128, ...shape]);
  const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10);
  const opt = adam(1e-3);
  const loss = (xi: tf.Tensor, training: boolean): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(
      y,
      (training ? m.apply(xi, { training }) : inferenceApply(m, xi)) as tf.Tensor,
    );
  // ONLY=pgd: the PGD step alone (e.g. with AB=fold, which changes nothing in training).
  if (process.env.ONLY !== 'pgd')
    await profile('train', () => {
      const l = opt.minimize(() => loss(x, true), true)!;
      l.dataSync();
      l.dispose();
    });
  // PGD attacks the model in inference mode (batch norm with its moving statistics), as the bench.
  const g = tf.grad((xi: tf.Tensor) => loss(xi, false));
  // Not `tidy(() => g(x).dataSync())`: tidy walks its return value, here 100k numbers (≈ 50 ms).
  await profile('pgd', () => tf.tidy(() => void g(x).dataSync()));
  console.log('tensors', tf.memory().numTensors);
})();
