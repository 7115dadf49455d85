/**
 * Batch norm in training mode as one forward kernel and one backward kernel on wasm. tfjs-layers
 * computes the batch moments with tf.moments and normalises with FusedBatchNorm, and the
 * gradient then runs through every op of that chain: Multiply, Sum, Sub, Mean, Square, RealDiv
 * and Tile passes over the whole activation, one temporary each. Here:
 * - 'RflBatchNormTrain' (x, scale, offset → y, mean, variance): the per-channel mean, then the
 *   biased variance Σ(x − mean)²/R (two passes, like tf.moments, so no cancellation), then
 *   y = (x − mean)·scale/√(variance + ε) + offset as FusedBatchNorm computes it;
 * - 'RflBatchNormTrainGrad' (dy, x, mean, variance, scale → dx, dscale, doffset): Σdy and
 *   Σdy·(x − mean) per channel in one pass, then dx = A·dy + B·(x − mean) + D per channel in
 *   another, the analytic gradient of the whole chain (through the batch moments too).
 * Sums run over fixed blocks of BLOCK rows in float32 (our SIMD loop), the blocks' partial sums
 * then added in block order in float64: the same bits for any thread count. The gradient flows
 * through y only (gradients/batchNormTrain.ts): mean and variance are outputs for the layer's
 * moving averages.
 * Only float32 with the channel count a multiple of 4 (canRunBatchNormTrain); the layer
 * (models/batchNorm.ts) runs tfjs-layers' own code otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, Scope, TI } from '../wasm/call';
import { PARALLEL_MIN, splitRange, type Call } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';

export const BN_TRAIN = 'RflBatchNormTrain';
export const BN_TRAIN_GRAD = 'RflBatchNormTrainGrad';

/** Rows per partial sum: few enough that float32 within a block does not drift. */
const BLOCK = 64;

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/** Whether the kernels run for x on the active backend (else the layer runs tfjs-layers' code). */
export function canRunBatchNormTrain(x: tf.Tensor): boolean {
  const c = x.shape[x.shape.length - 1] ?? 0;
  return (
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    c % 4 === 0 &&
    c > 0 &&
    tf.getKernel(BN_TRAIN, tf.getBackend()) !== undefined &&
    simdFor(tf.backend() as BackendWasm) !== null
  );
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Per-channel sums over `rows` rows of c channels: `call` adds rows [r0, r0 + n) into the
 * `width` floats at `part`; blocks split across our loop threads, then added in block order.
 */
function blockSums(
  backend: BackendWasm,
  s: Scope,
  rows: number,
  c: number,
  width: number,
  call: (r0: number, n: number, part: number) => Call,
): Float64Array {
  const blocks = Math.ceil(rows / BLOCK);
  const t = s.make([blocks, width]);
  heapF32(backend, t).fill(0);
  const pPart = addressOf(backend, t);
  const threads = loopThreadsFor(backend)!;
  threads.run(
    splitRange(blocks, threads.size, 1, Math.ceil(PARALLEL_MIN / (BLOCK * c))).map(([b0, b1]) =>
      Array.from({ length: b1 - b0 }, (_, i) => {
        const r0 = (b0 + i) * BLOCK;
        return call(r0, Math.min(BLOCK, rows - r0), pPart + (b0 + i) * width * 4);
      }),
    ),
  );
  const parts = heapF32(backend, t);
  const acc = new Float64Array(width);
  for (let b = 0; b < blocks; b++)
    for (let j = 0; j < width; j++) acc[j] = acc[j]! + parts[b * width + j]!;
  return acc;
}

/** Runs `fn` over row ranges split across our loop threads (element-wise: no sums split). */
function byRows(
  backend: BackendWasm,
  rows: number,
  c: number,
  call: (r0: number, n: number) => Call,
): void {
  const threads = loopThreadsFor(backend)!;
  threads.run(
    splitRange(rows, threads.size, 1, Math.ceil(PARALLEL_MIN / c)).map(([a, b]) => [
      call(a, b - a),
    ]),
  );
}

function geometry(x: TI): { c: number; rows: number } {
  const c = x.shape[x.shape.length - 1]!;
  if (x.dtype !== 'float32' || c % 4 !== 0)
    throw new Error(`${BN_TRAIN}: float32 with channels a multiple of 4 only, got ${x.dtype} ${c}`);
  return { c, rows: size(x.shape) / c };
}

export function batchNormTrain(args: Args): TI[] {
  const { x, scale, offset } = args.inputs as Record<'x' | 'scale' | 'offset', TI>;
  const eps = (args.attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const backend = args.backend as BackendWasm;
  const { c, rows } = geometry(x);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  const s = new Scope(backend);
  try {
    const par = s.make([3 * c]);
    const [px, pm, stride] = [addressOf(backend, x), addressOf(backend, mean), c * 4];
    const at = (r0: number) => px + r0 * stride;
    const sums = blockSums(backend, s, rows, c, c, (r0, n, part) => ({
      fn: 'sumRows',
      args: [at(r0), part, n, stride, stride],
    }));
    const m = heapF32(backend, mean);
    for (let ch = 0; ch < c; ch++) m[ch] = sums[ch]! / rows;
    const sq = blockSums(backend, s, rows, c, c, (r0, n, part) => ({
      fn: 'sqDevRows',
      args: [at(r0), part, n, stride, pm],
    }));
    const [mv, v, p] = [heapF32(backend, mean), heapF32(backend, variance), heapF32(backend, par)];
    const [g, b] = [heapF32(backend, scale), heapF32(backend, offset)];
    for (let ch = 0; ch < c; ch++) {
      v[ch] = sq[ch]! / rows;
      p[ch] = mv[ch]!;
      // Float64 then rounded, as FusedBatchNorm (batchNorm.ts) computes its factor.
      p[c + ch] = g[ch]! / Math.sqrt(v[ch]! + eps);
      p[2 * c + ch] = b[ch]!;
    }
    const [py, pp] = [addressOf(backend, y), addressOf(backend, par)];
    byRows(backend, rows, c, (r0, n) => ({
      fn: 'affineRows',
      args: [at(r0), py + r0 * stride, n, stride, stride, pp],
    }));
  } finally {
    s.dispose();
  }
  return [y, mean, variance];
}

export function batchNormTrainGrad(args: Args): TI[] {
  const { dy, x, mean, variance, scale } = args.inputs as Record<
    'dy' | 'x' | 'mean' | 'variance' | 'scale',
    TI
  >;
  const eps = (args.attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const backend = args.backend as BackendWasm;
  const { c, rows } = geometry(x);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dscale = backend.makeOutput([c], 'float32');
  const doffset = backend.makeOutput([c], 'float32');
  const s = new Scope(backend);
  try {
    const par = s.make([4 * c]);
    const stride = c * 4;
    const [px, pdy, pm] = [addressOf(backend, x), addressOf(backend, dy), addressOf(backend, mean)];
    const sums = blockSums(backend, s, rows, c, 2 * c, (r0, n, part) => ({
      fn: 'bnGradSums',
      args: [pdy + r0 * stride, px + r0 * stride, part, n, stride, pm],
    }));
    const [m, v, g] = [heapF32(backend, mean), heapF32(backend, variance), heapF32(backend, scale)];
    const [ds, dof, p] = [
      heapF32(backend, dscale),
      heapF32(backend, doffset),
      heapF32(backend, par),
    ];
    for (let ch = 0; ch < c; ch++) {
      const [s1, s2] = [sums[ch]!, sums[c + ch]!];
      const rstd = 1 / Math.sqrt(v[ch]! + eps);
      const a = g[ch]! * rstd;
      ds[ch] = s2 * rstd;
      dof[ch] = s1;
      p[ch] = a;
      p[c + ch] = m[ch]!;
      p[2 * c + ch] = (-a * rstd * rstd * s2) / rows;
      p[3 * c + ch] = (-a * s1) / rows;
    }
    const [pdx, pp] = [addressOf(backend, dx), addressOf(backend, par)];
    byRows(backend, rows, c, (r0, n) => ({
      fn: 'bnDxRows',
      args: [pdy + r0 * stride, px + r0 * stride, pdx + r0 * stride, n, stride, pp],
    }));
  } finally {
    s.dispose();
  }
  return [dx, dscale, doffset];
}

export const batchNormTrainConfig: tf.KernelConfig = {
  kernelName: BN_TRAIN,
  backendName: 'wasm',
  kernelFunc: batchNormTrain as unknown as tf.KernelFunc,
};

export const batchNormTrainGradConfig: tf.KernelConfig = {
  kernelName: BN_TRAIN_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainGrad as unknown as tf.KernelFunc,
};
