/**
 * Element-wise wasm kernels for the memory-bound passes of conv/dense training and PGD steps:
 * the fused ReLU gradient 'RflReluGrad' (reluGrad.ts; the gradients that call it are in ../gradients/),
 * Relu, and Add/Multiply when both operands have the same shape, or one is a per-channel vector
 * ([C] or [1,…,1,C], the bias of tfjs-layers' conv/dense) broadcast over the other's last axis,
 * or a single value (the optimizers' scalar factors). Stock Add broadcasts element by element. Results are bit-identical to the stock kernels; any
 * other case (dtypes, broadcasts) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, TI, withScope } from '../wasm/call';
import { PARALLEL_MIN, splitRange, type Program } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';

const threadCount = (backend: BackendWasm) => loopThreadsFor(backend)?.size ?? 1;

/** Which of our element-wise kernels are on; the bench flips them step by step for an A/B. */
export const elementwiseOn = { reluGrad: true, relu: true, add: true, mul: true };

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** step(x) as in tfjs (cpu and wasm): 1 above zero, NaN for NaN, else 0. */
export const step01 = (x: number): number => (x > 0 ? 1 : x !== x ? NaN : 0);

/** dy where x > 0, else dy·0 (signed zero; NaN for x NaN or dy ±∞/NaN): mul(dy, step(x)). */
export function reluGradWasm(args: Args): TI {
  const { dy, x } = args.inputs as { dy: TI; x: TI };
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(x.shape, 'float32');
  const n = size(x.shape);
  const fast = simdFor(backend);
  const vec = fast ? n & ~3 : 0;
  if (fast && vec > 0) {
    const [pd, px, po] = [addressOf(backend, dy), addressOf(backend, x), addressOf(backend, out)];
    loopThreadsFor(backend)!.run(
      splitRange(vec, threadCount(backend), 4).map(([a, b]) => [
        { fn: 'reluGrad', args: [pd + 4 * a, px + 4 * a, po + 4 * a, 4 * (b - a)] },
      ]),
    );
  }
  if (vec < n) {
    const [d, xs, o] = [heapF32(backend, dy), heapF32(backend, x), heapF32(backend, out)];
    for (let i = vec; i < n; i++) o[i] = d[i]! * step01(xs[i]!);
  }
  return out;
}

export function relu(args: Args): TI {
  const { x } = args.inputs as { x: TI };
  const backend = args.backend as BackendWasm;
  const fast = simdFor(backend);
  if (!elementwiseOn.relu || !fast || x.dtype !== 'float32') {
    return withScope(backend, (s) => s.run('Relu', { x }));
  }
  const out = backend.makeOutput(x.shape, 'float32');
  const n = size(x.shape);
  const vec = n & ~3;
  if (vec > 0) {
    const [px, po] = [addressOf(backend, x), addressOf(backend, out)];
    loopThreadsFor(backend)!.run(
      splitRange(vec, threadCount(backend), 4).map(([a, b]) => [
        { fn: 'relu', args: [px + 4 * a, po + 4 * a, 4 * (b - a)] },
      ]),
    );
  }
  if (vec < n) {
    const [xs, o] = [heapF32(backend, x), heapF32(backend, out)];
    // Math.max(-0, 0) is +0 and Math.max(NaN, 0) NaN, like the stock kernels and wasm's max.
    for (let i = vec; i < n; i++) o[i] = Math.max(xs[i]!, 0);
  }
  return out;
}

export const add = (args: Args): TI => binary(args, 'Add');
export const multiply = (args: Args): TI => binary(args, 'Multiply');

/** [C] or [1,…,1,C] with C the last dimension of `big` (and rank ≤ big's): a channel vector. */
function isChannelVector(small: readonly number[], big: readonly number[]): boolean {
  const c = big[big.length - 1];
  return (
    big.length >= 1 &&
    small.length >= 1 &&
    small.length <= big.length &&
    small[small.length - 1] === c &&
    small.slice(0, -1).every((d) => d === 1)
  );
}

/** How the operands line up: `small` is the same shape, a channel vector or a single value. */
type Plan = { big: TI; small: TI; kind: 'same' | 'vector' | 'scalar' };

/** A single value is splatted into a vector this long and added like a bias to rows of it. */
const SPLAT = 64;

function planOf(a: TI, b: TI): Plan | null {
  if (tf.util.arraysEqual(a.shape, b.shape)) return { big: a, small: b, kind: 'same' };
  // Both operations commute exactly in float32, so the vector may be either operand.
  for (const [big, small] of [
    [a, b],
    [b, a],
  ] as const) {
    if (isChannelVector(small.shape, big.shape)) return { big, small, kind: 'vector' };
    const fits = small.shape.length <= big.shape.length;
    if (fits && size(small.shape) === 1 && size(big.shape) >= SPLAT) {
      return { big, small, kind: 'scalar' };
    }
  }
  return null;
}

function binary(args: Args, kernel: 'Add' | 'Multiply'): TI {
  const { a, b } = args.inputs as { a: TI; b: TI };
  const backend = args.backend as BackendWasm;
  const fast = simdFor(backend);
  const on = kernel === 'Add' ? elementwiseOn.add : elementwiseOn.mul;
  const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planOf(a, b) : null;
  if (!on || !fast || !plan) return withScope(backend, (s) => s.run(kernel, { a, b }));
  const { big, small, kind } = plan;
  return withScope(backend, (s) => {
    const out = s.make(big.shape);
    const n = size(big.shape);
    if (n === 0) return out;
    // Same shape: one long row. Otherwise rows of C (or SPLAT), the vector re-read for each.
    const vector = kind === 'scalar' ? s.make([SPLAT]) : small;
    if (kind === 'scalar') heapF32(backend, vector).fill(heapF32(backend, small)[0]!);
    const cols = kind === 'same' ? n : kind === 'vector' ? big.shape[big.shape.length - 1]! : SPLAT;
    const rows = Math.floor(n / cols);
    const vec = cols & ~3;
    if (vec > 0 && rows > 0) {
      const [pa, pb, po] = [big, vector, out].map((t) => addressOf(backend, t)) as [
        number,
        number,
        number,
      ];
      const bRow = kind === 'same' ? cols * 4 : 0;
      const fn = kernel === 'Add' ? 'addRows' : 'mulRows';
      const threads = loopThreadsFor(backend)!;
      // Split across our loop threads: one long row by its columns, else by rows.
      const parts: Program[] =
        rows === 1
          ? splitRange(vec, threads.size, 4).map(([c0, c1]) => [
              {
                fn,
                args: [pa + 4 * c0, pb + 4 * c0, po + 4 * c0, 1, 4 * (c1 - c0), cols * 4, bRow],
              },
            ])
          : splitRange(rows, threads.size, 1, Math.ceil(PARALLEL_MIN / cols)).map(([r0, r1]) => [
              {
                fn,
                args: [
                  pa + r0 * cols * 4,
                  pb + r0 * bRow,
                  po + r0 * cols * 4,
                  r1 - r0,
                  vec * 4,
                  cols * 4,
                  bRow,
                ],
              },
            ]);
      threads.run(parts);
    }
    // JS: the last 0–3 columns of each row, then what follows the last whole row (scalar).
    const [x, y, o] = [heapF32(backend, big), heapF32(backend, small), heapF32(backend, out)];
    const at = (i: number) => (kind === 'same' ? i : kind === 'vector' ? i % cols : 0);
    const one = (i: number) => (o[i] = kernel === 'Add' ? x[i]! + y[at(i)]! : x[i]! * y[at(i)]!);
    for (let r = 0; r < rows && vec < cols; r++) {
      for (let c = vec; c < cols; c++) one(r * cols + c);
    }
    for (let i = rows * cols; i < n; i++) one(i);
    return out;
  });
}

export const reluConfig: tf.KernelConfig = {
  kernelName: tf.Relu,
  backendName: 'wasm',
  kernelFunc: relu as tf.KernelFunc,
};

export const addConfig: tf.KernelConfig = {
  kernelName: tf.Add,
  backendName: 'wasm',
  kernelFunc: add as tf.KernelFunc,
};

export const multiplyConfig: tf.KernelConfig = {
  kernelName: tf.Multiply,
  backendName: 'wasm',
  kernelFunc: multiply as tf.KernelFunc,
};
