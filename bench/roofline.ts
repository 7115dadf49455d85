/**
 * Roofline of the zoo's convolutional models on wasm against PyTorch (bench/README.md,
 * "Roofline"): what the GEMM can do, how much GEMM work a step holds, and how much of each side's
 * step goes to convolutions and products versus everything else.
 *
 * Usage: npx tsx bench/roofline.ts [--models vgg,resnet] [--shapes 28x28x1,32x32x3]
 *   [--threads 1,2] [--reps 6] [--rounds 2] [--parts gemm,conv,steps] [--json FILE]
 *
 * Parts, each on our side (wasm + our kernels, one child process per thread count: the pool is
 * fixed when the backend starts) and on PyTorch's (bench/torch_bench.py --roofline, the same
 * spec, torch.set_num_threads per thread count):
 * - gemm: the GEMM shapes each convolution lowers to at batch 128 (forward [B·Ho·Wo, k²Ci]·
 *   [k²Ci, Co], input gradient [B·Ho·Wo, Co]·[Co, k²Ci], filter gradient [B·Ho·Wo, k²Ci]ᵀ·
 *   [B·Ho·Wo, Co]) and the dense layers', as one tf.matMul / torch.mm each: GFLOP/s.
 * - conv: each convolution's three kernels as the step runs them (ours: Conv2D,
 *   Conv2DBackpropInput, Conv2DBackpropFilter, with Winograd where it applies; PyTorch: its conv
 *   and aten::convolution_backward), GFLOP/s counted as direct convolution (2·B·Ho·Wo·k²·Ci·Co).
 * - steps: the bench's train and PGD workloads (src/engine/bench/workloads.ts; torch_bench.py's
 *   Cell), median time per step, then a profile of 3 steps split into convolution/GEMM
 *   kernels and everything else (ours: tf.profile kernel times against the profiled step's wall
 *   time; PyTorch: torch.profiler self CPU time, which is wall time on the calling thread).
 * Times: with 1 thread, process CPU time (other jobs on a shared machine stretch wall time, not
 * CPU time); with 2 threads, wall time.
 * Rounds alternate the sides (ours, PyTorch, ours, ...) and every figure is the minimum over all
 * rounds and repetitions (steps: the median over rounds of each round's median), because the
 * machine's speed drifts under load.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel, parseArch } from '../src/engine/models/registry';
import { initBackend } from '../src/engine/backend/ladder';
import { makeWorkload, parseShape, WARM_UP } from '../src/engine/bench/workloads';

const B = 128;

interface Gemm {
  name: string;
  m: number;
  k: number;
  n: number;
  /** a is stored [k, m] and read transposed (the filter gradient's P). */
  transA: boolean;
  flops: number;
}
interface Conv {
  name: string;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  ho: number;
  wo: number;
  /** The first layer: nobody needs its input gradient in training. */
  first: boolean;
  flops: number;
}
interface Dense {
  name: string;
  in: number;
  out: number;
}
interface Spec {
  reps: number;
  gemms: Gemm[];
  convs: Conv[];
  steps: Array<{ model: string; shape: string; workload: 'train' | 'pgd' }>;
}
type Timings = Record<string, number>;

const args = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : d;
};

/** The convolutions and dense layers of a zoo model, from the built tfjs-layers model. */
function layersOf(model: string, shape: string): { convs: Conv[]; dense: Dense[] } {
  const built = buildModel(parseArch(model), {
    inputShape: parseShape(shape),
    numClasses: 10,
    seed: 0,
  });
  const convs: Conv[] = [];
  const dense: Dense[] = [];
  for (const l of built.model.layers) {
    const inShape = (l.input as tfl.SymbolicTensor).shape;
    const outShape = (l.output as tfl.SymbolicTensor).shape;
    const cfg = l.getConfig() as { filters?: number; kernelSize?: number[]; strides?: number[] };
    if (l.getClassName() === 'Conv2D') {
      const [, h, w, ci] = inShape as number[];
      const [, ho, wo, co] = outShape as number[];
      const k = cfg.kernelSize![0]!;
      const stride = cfg.strides![0]!;
      convs.push({
        name: `${model} ${shape} ${l.name}`,
        h: h!,
        w: w!,
        ci: ci!,
        co: co!,
        k,
        stride,
        ho: ho!,
        wo: wo!,
        first: convs.length === 0,
        flops: 2 * B * ho! * wo! * k * k * ci! * co!,
      });
    } else if (l.getClassName() === 'Dense') {
      dense.push({
        name: `${model} ${shape} ${l.name}`,
        in: inShape[1] as number,
        out: outShape[1] as number,
      });
    }
  }
  tf.dispose(built.model.weights.map((w) => w.read()));
  return { convs, dense };
}

/** The products a convolution lowers to, and a dense layer's three. */
function gemmsOf(c: Conv): Gemm[] {
  const rows = B * c.ho * c.wo,
    kk = c.k * c.k * c.ci;
  const g = (what: string, m: number, k: number, n: number, transA = false): Gemm => ({
    name: `${what} ${c.k}x${c.k}s${c.stride} ${c.ci}→${c.co} @${c.h}`,
    m,
    k,
    n,
    transA,
    flops: 2 * m * k * n,
  });
  return [g('fwd', rows, kk, c.co), g('dX', rows, c.co, kk), g('dW', kk, rows, c.co, true)];
}
function denseGemms(d: Dense): Gemm[] {
  const g = (what: string, m: number, k: number, n: number, transA = false): Gemm => ({
    name: `${what} dense ${d.in}→${d.out}`,
    m,
    k,
    n,
    transA,
    flops: 2 * m * k * n,
  });
  return [g('fwd', B, d.in, d.out), g('dX', B, d.out, d.in), g('dW', d.in, B, d.out, true)];
}

function uniqueBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => !seen.has(key(x)) && seen.add(key(x)));
}

/** Process CPU ms since c0 (all our threads; with one thread, the call's own time, which
 * other jobs on the machine do not stretch as they stretch wall time). */
const cpuSince = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** Minimum wall and CPU ms of `reps` calls after one warm-up call, into out[key] / out[key cpu]. */
function timeInto(out: Timings, key: string, f: () => void, reps: number): void {
  f();
  let wall = Infinity,
    cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    f();
    wall = Math.min(wall, performance.now() - t0);
    cpu = Math.min(cpu, cpuSince(c0));
  }
  out[key] = wall;
  out[`${key} cpu`] = cpu;
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** Convolution and product kernels on our side; everything else is "other". */
const GEMM_KERNELS = new Set([
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'BatchMatMul',
  '_FusedMatMul',
]);

/** Our side, in a child process whose pool size was fixed by $RFL_WASM_THREADS. */
async function child(spec: Spec): Promise<Timings> {
  const out: Timings = {};
  await initBackend('wasm');
  for (const g of spec.gemms) {
    const a = tf.randomUniform(g.transA ? [g.k, g.m] : [g.m, g.k]);
    const b = tf.randomUniform([g.k, g.n]);
    timeInto(out, `gemm ${g.name}`, () => tf.matMul(a, b, g.transA, false).dispose(), spec.reps);
    tf.dispose([a, b]);
  }
  for (const c of spec.convs) {
    const x = tf.randomUniform([B, c.h, c.w, c.ci]);
    const f = tf.randomUniform([c.k, c.k, c.ci, c.co]);
    const dy = tf.randomUniform([B, c.ho, c.wo, c.co]);
    const conv = { strides: c.stride, pad: 'same', dataFormat: 'NHWC' } as const;
    const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
      tf
        .engine()
        .runKernel<tf.Tensor>(name, inputs, attrs as unknown as tf.NamedAttrMap)
        .dispose();
    timeInto(
      out,
      `conv fwd ${c.name}`,
      () => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, 'same').dispose(),
      spec.reps,
    );
    timeInto(
      out,
      `conv dX ${c.name}`,
      run('Conv2DBackpropInput', { dy, filter: f }, { ...conv, inputShape: x.shape }),
      spec.reps,
    );
    timeInto(
      out,
      `conv dW ${c.name}`,
      run('Conv2DBackpropFilter', { x, dy }, { ...conv, dilations: 1, filterShape: f.shape }),
      spec.reps,
    );
    tf.dispose([x, f, dy]);
  }
  for (const s of spec.steps) {
    const w = makeWorkload(s.workload, B, { model: parseArch(s.model), shape: s.shape });
    const t0 = performance.now();
    for (let n = 0; n < WARM_UP.steps || performance.now() - t0 < WARM_UP.seconds * 1000; n++)
      await w.step();
    const wall: number[] = [],
      cpu: number[] = [];
    for (let r = 0; r < spec.reps; r++) {
      const t = performance.now();
      const c0 = process.cpuUsage();
      await w.step();
      wall.push(performance.now() - t);
      cpu.push(cpuSince(c0));
    }
    const key = `step ${s.workload} ${s.model} ${s.shape}`;
    out[`${key} wall`] = median(wall);
    out[`${key} cpu`] = median(cpu);
    const gemm: number[] = [],
      other: number[] = [];
    const profiled: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const p = await tf.profile(() => w.step());
      profiled.push(performance.now() - t);
      let g = 0,
        o = 0;
      for (const k of p.kernels)
        if (GEMM_KERNELS.has(k.name)) g += k.kernelTimeMs as number;
        else o += k.kernelTimeMs as number;
      gemm.push(g);
      other.push(o);
    }
    out[`${key} gemm`] = median(gemm);
    out[`${key} other`] = median(other);
    out[`${key} profiled`] = median(profiled);
    w.dispose();
  }
  return out;
}

function runOurs(spec: Spec, threads: number): Timings {
  const file = path.join(
    fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'roofline-')),
    'spec.json',
  );
  fs.writeFileSync(file, JSON.stringify(spec));
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', file], {
    env: { ...process.env, RFL_WASM_THREADS: String(threads) },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`roofline child (${threads} threads) failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Timings;
}

function runTorch(spec: Spec, threads: number): Timings {
  const script = path.join(__dirname, 'torch_bench.py');
  const r = spawnSync('/usr/bin/python3', [script, '--roofline', '--threads', String(threads)], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`torch_bench.py --roofline failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Timings;
}

/** Keeps the smaller of each figure (steps: collects each round's median). */
function merge(into: Record<string, number[]>, t: Timings): void {
  for (const [k, v] of Object.entries(t)) (into[k] ??= []).push(v);
}
const best = (xs: number[] | undefined, key: string) =>
  xs === undefined ? NaN : key.startsWith('step ') ? median(xs) : Math.min(...xs);

void (async () => {
  if (args[0] === '--child') {
    const spec = JSON.parse(fs.readFileSync(args[1]!, 'utf8')) as Spec;
    process.stdout.write(JSON.stringify(await child(spec)) + '\n');
    return;
  }
  const models = opt('models', 'vgg,resnet').split(',');
  const shapes = opt('shapes', '28x28x1,32x32x3').split(',');
  const threadList = opt('threads', '1,2').split(',').map(Number);
  const parts = opt('parts', 'gemm,conv,steps').split(',');
  const reps = Number(opt('reps', '6'));
  const rounds = Number(opt('rounds', '2'));
  // Layers come from the models themselves (cpu: building needs no kernels of ours).
  await tf.setBackend('cpu');
  const cells = models.flatMap((model) => shapes.map((shape) => ({ model, shape })));
  const layers = cells.map((c) => ({ ...c, ...layersOf(c.model, c.shape) }));
  const convs = uniqueBy(
    layers.flatMap((l) => l.convs),
    (c) => `${c.h},${c.w},${c.ci},${c.co},${c.k},${c.stride}`,
  );
  const gemms = uniqueBy(
    [...convs.flatMap(gemmsOf), ...layers.flatMap((l) => l.dense.flatMap(denseGemms))],
    (g) => `${g.m},${g.k},${g.n},${g.transA}`,
  );
  const steps = cells.flatMap((c) =>
    (['train', 'pgd'] as const).map((workload) => ({ ...c, workload })),
  );
  const results: Record<
    string,
    { ours: Record<string, number[]>; torch: Record<string, number[]> }
  > = {};
  for (const t of threadList) {
    const spec: Spec = {
      reps,
      gemms: parts.includes('gemm') ? gemms : [],
      convs: parts.includes('conv') ? convs : [],
      steps: parts.includes('steps') ? steps : [],
    };
    const r = (results[t] = { ours: {}, torch: {} });
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['ours', 'torch'] as const) : (['torch', 'ours'] as const);
      for (const side of order) {
        console.error(`threads ${t}, round ${round + 1}/${rounds}: ${side}`);
        merge(r[side], side === 'ours' ? runOurs(spec, t) : runTorch(spec, t));
      }
    }
  }
  const gf = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1);
  // One thread: CPU time (other jobs on the machine stretch wall time, not CPU time); two
  // threads: wall time (CPU time would count both threads).
  const clock = (t: number) => (t === 1 ? ' cpu' : '');
  const fig = (t: number, side: 'ours' | 'torch', key: string) =>
    best(results[t]![side][key + clock(t)], key);
  const lines: string[] = [];
  const row = (cols: Array<string | number>) => lines.push(`| ${cols.join(' | ')} |`);
  const head = (cols: string[]) => {
    lines.push('');
    row(cols);
    row(cols.map(() => '---'));
  };
  const tLabel = (t: number) => (t === 1 ? '1 thread (CPU time)' : `${t} threads (wall)`);
  if (parts.includes('gemm')) {
    head(['GEMM (M×K·K×N), GFLOP/s ours / PyTorch', 'GFLOP', ...threadList.map((t) => tLabel(t))]);
    for (const g of gemms) {
      const k = `gemm ${g.name}`;
      row([
        `${g.name}: ${g.m}×${g.k}·${g.k}×${g.n}${g.transA ? ' (Aᵀ)' : ''}`,
        (g.flops / 1e9).toFixed(3),
        ...threadList.map(
          (t) => `${gf(g.flops, fig(t, 'ours', k))} / ${gf(g.flops, fig(t, 'torch', k))}`,
        ),
      ]);
    }
  }
  if (parts.includes('conv')) {
    head([
      'convolution (batch 128), GFLOP/s (direct count) ours / PyTorch',
      'GFLOP',
      ...threadList.flatMap((t) => ['fwd', 'dX', 'dW'].map((w) => `${w}, ${tLabel(t)}`)),
    ]);
    for (const c of convs) {
      row([
        `${c.k}x${c.k} s${c.stride} ${c.ci}→${c.co} @${c.h}×${c.w}`,
        (c.flops / 1e9).toFixed(3),
        ...threadList.flatMap((t) =>
          ['fwd', 'dX', 'dW'].map((w) => {
            const k = `conv ${w} ${c.name}`;
            return `${gf(c.flops, fig(t, 'ours', k))} / ${gf(c.flops, fig(t, 'torch', k))}`;
          }),
        ),
      ]);
    }
  }
  if (parts.includes('steps')) {
    for (const t of threadList) {
      const r = results[t]!;
      head([
        `step, ${tLabel(t)}`,
        'GFLOP (direct)',
        'ours ms (GFLOP/s)',
        'ours conv+GEMM / other kernels / outside kernels, % of a profiled step',
        'PyTorch ms (GFLOP/s)',
        'PyTorch conv+GEMM / other ops, % of profiled self time',
        'ratio now',
        'ratio if ours were only its conv+GEMM',
      ]);
      for (const l of layers) {
        for (const workload of ['train', 'pgd'] as const) {
          // Training skips the first layer's input gradient; PGD skips every filter gradient.
          const flops =
            l.convs.reduce(
              (a, c) => a + c.flops * (workload === 'train' ? (c.first ? 2 : 3) : 2),
              0,
            ) +
            l.dense.reduce((a, d) => a + 2 * B * d.in * d.out * (workload === 'train' ? 3 : 2), 0);
          const key = `step ${workload} ${l.model} ${l.shape}`;
          const get = (side: 'ours' | 'torch', what: string) =>
            best(r[side][`${key} ${what}`], key);
          const step = (side: 'ours' | 'torch') => get(side, t === 1 ? 'cpu' : 'wall');
          const [os, ts] = [step('ours'), step('torch')];
          const [og, oo, op] = ['gemm', 'other', 'profiled'].map((w) => get('ours', w)) as [
            number,
            number,
            number,
          ];
          const [tg, to] = ['gemm', 'other'].map((w) => get('torch', w)) as [number, number];
          const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)}`;
          row([
            `${l.model} ${l.shape} ${workload}`,
            (flops / 1e9).toFixed(2),
            `${os.toFixed(0)} (${gf(flops, os)})`,
            `${pct(og, op)} / ${pct(oo, op)} / ${pct(Math.max(0, op - og - oo), op)}`,
            `${ts.toFixed(0)} (${gf(flops, ts)})`,
            `${pct(tg, tg + to)} / ${pct(to, tg + to)}`,
            (ts / os).toFixed(2),
            (ts / ((os * og) / op)).toFixed(2),
          ]);
        }
      }
    }
  }
  console.log(lines.join('\n'));
  const json = opt('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ cells, convs, gemms, results }, null, 1));
})();
