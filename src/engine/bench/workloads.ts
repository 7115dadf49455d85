/**
 * The bench workloads (bench/README.md, "How the bench works"), at batch B for one model of the
 * zoo on one input shape (the reference cell: the `cnn` on 28×28×1):
 * a training step (forward, backward, Adam update), a PGD step (loss gradient with respect to the
 * input, L2 step and projection) and a representation-inversion step (gradient of ‖g(x_r) − g(x)‖
 * with respect to x_r, unconstrained L2 step). Same definitions as bench/torch_bench.py.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, parseArch, type ArchName } from '../models/registry';
import { attack, crossEntropyObjective } from '../attacks/attack';
import { pgdIteration, type Objective } from '../attacks/pgd';
import { rowL2Norms } from '../attacks/norms';
import { adam } from '../train/fusedAdam';
import { makeStep } from '../attacks/steps';
import { inferenceFn } from '../eval/accuracy';
import { inferenceApply } from '../models/foldedInference';
import { APGD_MOMENTUM } from '../attacks/apgdSchedule';
import { apgdUpdate } from '../attacks/apgd';
import { apgdObjective } from '../attacks/apgdAttack';
import { squareQuery, squareStart, type SquareState } from '../attacks/square';
import { FAB_PARAMS, fabIteration, fabObjective } from '../attacks/fab';
import { HyperplaneProjector } from '../attacks/fabProjection';
import { lossAndGrad } from '../attacks/pgd';
import { makeRng } from '../formats/rng';

export type Workload = 'train' | 'pgd' | 'invert' | 'advtrain' | 'apgd-t' | 'fab-t' | 'square';
/** advtrain: one adversarial-training step (PGD-7 at L2 ε=1.5, then the training step), issue 3. */
export const WORKLOADS: readonly Workload[] = ['train', 'pgd', 'invert', 'advtrain'];
/** AutoAttack's inner loops (issue 20), timed by `bench --workloads autoattack`. */
export const AUTOATTACK_WORKLOADS: readonly Workload[] = ['apgd-t', 'fab-t', 'square'];
const ALL_WORKLOADS: readonly Workload[] = [...WORKLOADS, ...AUTOATTACK_WORKLOADS];

/** `--workloads default|autoattack|LIST`. */
export function parseWorkloads(text: string): Workload[] {
  if (text === 'default') return [...WORKLOADS];
  if (text === 'autoattack') return [...AUTOATTACK_WORKLOADS];
  return text.split(',').map((w) => {
    const t = w.trim();
    if (!(ALL_WORKLOADS as string[]).includes(t))
      throw new Error(
        `bench --workloads: '${t}' is not one of ${ALL_WORKLOADS.join(', ')} (or default, autoattack)`,
      );
    return t as Workload;
  });
}

/** The Square query the bench times: the 500th of 5,000, whose windows are 7×7 on 28×28. */
const BENCH_SQUARE = { query: 500, queries: 5000 };

/** What one step of each workload is (written into `bench --json`'s file beside the timings). */
export const WORKLOAD_DEFINITIONS: Record<Workload, string> = {
  train:
    'one Adam step (lr 1e-3) of the model on a batch (batch norm in training mode): forward, softmax cross-entropy, backward, update',
  pgd: 'one PGD iteration at L2 ε = 1.5, step 0.1: loss and input gradient (one forward, one backward), normalised step, projection onto the ball and [0, 1]',
  invert:
    'one representation-inversion iteration: gradient of ‖g(x_r) − g(x)‖₂ with respect to x_r, normalised L2 step 0.1, clip to [0, 1]',
  advtrain:
    'one adversarial-training step: PGD-7 at L2 ε = 1.5 (random start, step 2.5·ε/7, best iterate kept) against the model in inference mode, then one Adam step on the result',
  'apgd-t':
    "one APGD-T iteration at L2 ε = 1.5 against the model in inference mode: the momentum move (step size 2ε, α = 0.75) from the last two iterates and the last gradient, projection onto the ball and [0, 1], then the targeted DLR loss (target: the clean point's runner-up class) and its input gradient, loss and prediction read back",
  'fab-t':
    "one FAB-T iteration at L2 ε = 1.5 against the model in inference mode, from a fixed point ε/2 from the clean one: the target gap z_t − z_y (target: the clean point's runner-up class) and its input gradient read back, the exact projections of that point and of the clean point onto the linearised boundary within [0, 1], the move (α_max 0.1, η 1.05), then a forward pass at the new point and its prediction read back",
  square:
    'one Square query at L2 ε = 1.5 on the whole batch (query 500 of 5,000: 7×7 windows on 28×28): the L2 window proposal for every image, one forward pass, the margin read back, improvements kept',
};

/** The median of step times, the upper of the middle two for an even count (as the bench has
 * always taken it; the same function for both sides). */
export function medianOf(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Input shapes the bench knows: Fashion-MNIST's and CIFAR-10's (height × width × channels). */
export const BENCH_SHAPES = ['28x28x1', '32x32x3'] as const;
/** The zoo in the bench's order, small to large (python/rfl_zoo.py builds each for PyTorch). */
export const BENCH_MODELS: readonly ArchName[] = [
  'mlp',
  'cnn',
  'cnn-wide',
  'vgg',
  'inception',
  'resnet',
  'densenet',
  'resnet-deep',
];

/** One model on one input shape: a row of the bench matrix. */
export interface BenchCell {
  model: ArchName;
  shape: string;
}

/** 'H x W x C' as numbers, with a clear error otherwise. */
export function parseShape(text: string): [number, number, number] {
  const dims = text.split('x').map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1))
    throw new Error(`bench: a shape is HxWxC, e.g. 28x28x1 or 32x32x3; got '${text}'`);
  return dims as [number, number, number];
}

/**
 * The cells of `--model LIST|all` × `--shape LIST|all` (comma-separated), models first in the
 * bench's order; an unknown model or a malformed shape is refused by name.
 */
export function benchCells(models: string, shapes: string): BenchCell[] {
  const modelList =
    models === 'all' ? [...BENCH_MODELS] : models.split(',').map((m) => parseArch(m.trim()));
  const shapeList = shapes === 'all' ? [...BENCH_SHAPES] : shapes.split(',').map((s) => s.trim());
  shapeList.forEach(parseShape);
  return modelList.flatMap((model) => shapeList.map((shape) => ({ model, shape })));
}

/** Returns a function that runs one step of the workload and waits for its result. */
export function makeWorkload(
  workload: Workload,
  batch: number,
  cell: BenchCell = { model: 'cnn', shape: '28x28x1' },
): { step: () => Promise<void>; dispose: () => void } {
  const inputShape = parseShape(cell.shape);
  const built = buildModel(cell.model, { inputShape, numClasses: 10, seed: 0 });
  const x = tf.randomUniform<tf.Rank.R4>([batch, ...inputShape], 0, 1, 'float32', 1);
  const y = tf.randomUniform<tf.Rank.R1>([batch], 0, 10, 'int32', 2);
  const yOneHot = tf.oneHot(y, 10);
  const target = tf.tidy(
    () =>
      inferenceApply(
        built.representation,
        tf.randomUniform([batch, ...inputShape], 0, 1, 'float32', 3),
      ) as tf.Tensor2D,
  );
  const opt = adam(1e-3);
  const vars = built.model.trainableWeights.map((v) => v.read() as tf.Variable);
  const fn = inferenceFn(built.model);
  // PGD and inversion: one iteration of the attack loop (the code `attack` runs per iteration:
  // loss, gradient, step, projection), as bench/torch_bench.py times them. A whole attack adds a
  // final forward pass for its report, once per attack, not per step.
  const iterationOf = async (
    objective: Objective,
    step: ReturnType<typeof makeStep>,
    m: 1 | -1,
  ) => {
    const dy = tf.fill<tf.Rank.R1>([batch], m);
    const it = pgdIteration(objective, step, x, dy);
    await it.next.data();
    tf.dispose([dy, it.next, it.losses, ...(it.pred ? [it.pred] : [])]);
  };
  // APGD-T: a fixed state (the start on the sphere, the clean point before it, a gradient) so that
  // every step is the same amount of work; Square: a state built at the first step.
  const l2 = makeStep('l2', x, 1.5, 0);
  const apgd = tf.tidy(() => {
    const targets = tf.reshape<tf.Rank.R1>(
      tf.slice(tf.topk(fn(x), 2).indices, [0, 1], [-1, 1]),
      [-1],
    );
    const start = l2.randomPerturb(x, 5);
    return { targets, start, grad: tf.randomNormal<tf.Rank.R4>(x.shape, 0, 1, 'float32', 6) };
  });
  const eta = new Float32Array(batch).fill(3);
  // FAB-T: every step starts again from the same point ε/2 from x (a restart's start).
  // The start's tensor is disposed by hand, not by tf.tidy: tidy walks whatever its function
  // returns looking for tensors, and over a Float32Array that is one step per element.
  const fabStart = makeStep('l2', x, 0.75, 0).randomPerturb(x, 8);
  const fab = {
    clean: Float32Array.from(x.dataSync()),
    start: Float32Array.from(fabStart.dataSync()),
  };
  fabStart.dispose();
  const fabProjector = new HyperplaneProjector(x.size / batch);
  const ones = tf.ones<tf.Rank.R1>([batch]);
  const squareOptions = { norm: 'l2', eps: 1.5, queries: BENCH_SQUARE.queries, seed: 7 } as const;
  const squareRng = makeRng(7);
  let square: SquareState | undefined;
  const steps: Record<Workload, () => Promise<void>> = {
    'apgd-t': async () => {
      const next = apgdUpdate(l2, apgd.start, x, apgd.grad, eta, APGD_MOMENTUM);
      const objective = apgdObjective(fn, 'dlr-targeted', y, apgd.targets);
      const r = lossAndGrad(objective, next, ones);
      await r.losses.data();
      await r.pred!.data();
      tf.dispose([next, r.losses, r.grad, r.pred!]);
    },
    'fab-t': async () => {
      const r = await fabIteration(
        fn,
        fabObjective(fn, y, apgd.targets),
        fab.start.slice(),
        fab.clean,
        x.shape,
        ones,
        'l2',
        FAB_PARAMS,
        fabProjector,
      );
      tf.dispose([r.moved, r.pred]);
    },
    square: async () => {
      square ??= await squareStart(fn, x, y, squareOptions, squareRng);
      const all = Array.from({ length: batch }, (_, i) => i);
      await squareQuery(fn, square, all, BENCH_SQUARE.query, squareOptions, squareRng);
    },
    train: async () => {
      const loss = opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
            yOneHot,
            built.model.apply(x, { training: true }) as tf.Tensor2D,
          ),
        true,
        vars,
      );
      await loss?.data();
      loss?.dispose();
    },
    pgd: async () => {
      await iterationOf(crossEntropyObjective(fn, y), makeStep('l2', x, 1.5, 0.1), 1);
    },
    advtrain: async () => {
      const a = await attack(fn, x, y, {
        norm: 'l2',
        eps: 1.5,
        stepSize: (2.5 * 1.5) / 7,
        iterations: 7,
        randomStart: true,
        useBest: true,
        seed: 4,
      });
      const loss = opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
            yOneHot,
            built.model.apply(a.adv, { training: true }) as tf.Tensor2D,
          ),
        true,
        vars,
      );
      await loss?.data();
      tf.dispose([a.adv, loss as tf.Scalar]);
    },
    invert: async () => {
      const objective: Objective = {
        evaluate: (xr) => ({
          losses: rowL2Norms(tf.sub(inferenceApply(built.representation, xr), target)),
        }),
      };
      await iterationOf(objective, makeStep('unconstrained', x, 0, 0.1), -1);
    },
  };
  return {
    step: steps[workload],
    dispose: () => {
      opt.dispose();
      tf.dispose([x, y, yOneHot, target, ones, ...Object.values(apgd)]);
      tf.dispose(built.model.weights.map((w) => w.read()));
    },
  };
}

/** Warm-up before a workload's first window: at least this many steps and this long
 * (torch_bench.py the same). The first training steps of a fresh process run slower (wasm
 * tier-up, the heap growing to its working size). */
export const WARM_UP = { steps: 2, seconds: 1 };

/** A workload kept alive across timing windows: warmed up once, then timed window by window. */
export class WorkloadTimer {
  private readonly w: ReturnType<typeof makeWorkload>;
  private warm = false;
  constructor(
    readonly workload: Workload,
    readonly batch: number,
    readonly cell?: BenchCell,
  ) {
    this.w = makeWorkload(workload, batch, cell);
  }

  /** Step times (ms) over at least `seconds` and `minSteps` steps. */
  async window(seconds: number, minSteps: number): Promise<number[]> {
    if (!this.warm) {
      const warmEnd = performance.now() + WARM_UP.seconds * 1000;
      for (let i = 0; i < WARM_UP.steps || performance.now() < warmEnd; i++) await this.w.step();
      this.warm = true;
    }
    const times: number[] = [];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end || times.length < minSteps) {
      const t = performance.now();
      await this.w.step();
      times.push(performance.now() - t);
    }
    return times;
  }

  dispose(): void {
    this.w.dispose();
  }
}
