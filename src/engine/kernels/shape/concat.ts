/**
 * Concat and SplitV along the last axis for the wasm backend. The densenet's dense layers join
 * their input and output along the channels (NHWC), and their gradient splits them again, a pair
 * per layer in every step; the stock kernels copy on one thread, element by element for SplitV
 * (CHANGELOG.md has the profile). Here each part is a strided copy of rows by our strided3d loop,
 * the rows split over our threads (a copy: the same bytes on any thread count). Other axes,
 * dtypes and empty parts: the stock kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernel, type TI } from '../wasm/call';
import { addressOf, loopThreadsFor } from '../wasm/simd';
import { PARALLEL_MIN, splitRange, type Program } from '../threads/loopThreads';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/** One strided3d call copying `cols` floats of each row r ∈ [r0, r1) from src to dst. */
function rowCopy(
  src: number,
  srcRow: number,
  dst: number,
  dstRow: number,
  cols: number,
  [r0, r1]: [number, number],
) {
  return {
    fn: 'strided3d',
    args: [
      src + r0 * srcRow * 4,
      dst + r0 * dstRow * 4,
      1,
      0,
      0,
      r1 - r0,
      srcRow * 4,
      dstRow * 4,
      cols,
      4,
      4,
      0,
    ],
  };
}

/**
 * Copies between one wide [rows, total] matrix and its column blocks [rows, width_i] (the parts,
 * side by side in order), on our threads: into the wide one (concat) or out of it (split).
 */
function copyBlocks(
  backend: BackendWasm,
  wide: TI,
  parts: TI[],
  widths: number[],
  rows: number,
  into: 'wide' | 'parts',
): void {
  const total = widths.reduce((a, b) => a + b, 0);
  const threads = loopThreadsFor(backend)!;
  const w = addressOf(backend, wide);
  const at = parts.map((p) => addressOf(backend, p));
  const programs = splitRange(rows, threads.size, 1, Math.ceil(PARALLEL_MIN / total)).map(
    (range): Program => {
      let col = 0;
      return widths.map((width, i) => {
        const off = w + col * 4;
        col += width;
        return into === 'wide'
          ? rowCopy(at[i]!, width, off, total, width, range)
          : rowCopy(off, total, at[i]!, width, width, range);
      });
    },
  );
  threads.run(programs);
}

/** The rows of a last-axis operation on `shape`, or undefined if ours does not take it. */
function lastAxisRows(backend: BackendWasm, shape: number[], axis: number): number | undefined {
  if (shape.length < 2 || axis !== shape.length - 1 || !loopThreadsFor(backend)) return undefined;
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

export function concat(args: Args): TI {
  const backend = args.backend as BackendWasm;
  const inputs = args.inputs as unknown as TI[];
  const { axis } = args.attrs as unknown as tf.ConcatAttrs;
  const first = inputs[0]!.shape;
  const ax = tf.util.parseAxisParam(axis, first)[0]!;
  const rows = lastAxisRows(backend, first, ax);
  const lead = first.slice(0, -1);
  const fits =
    rows !== undefined &&
    rows > 0 &&
    inputs.length >= 2 &&
    inputs.every(
      (t) =>
        t.dtype === 'float32' &&
        t.shape.length === first.length &&
        t.shape[ax]! > 0 &&
        t.shape.slice(0, -1).every((d, i) => d === lead[i]),
    );
  if (!fits) return stockKernel(tf.Concat)(args) as TI;
  const widths = inputs.map((t) => t.shape[ax]!);
  const out = backend.makeOutput([...lead, widths.reduce((a, b) => a + b, 0)], 'float32');
  copyBlocks(backend, out, inputs, widths, rows, 'wide');
  return out;
}

export function splitV(args: Args): TI[] {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TI };
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const widths = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
  const rows = lastAxisRows(backend, x.shape, ax);
  if (rows === undefined || rows === 0 || x.dtype !== 'float32' || widths.some((w) => w === 0))
    return stockKernel(tf.SplitV)(args) as TI[];
  const lead = x.shape.slice(0, -1);
  const outs = widths.map((w) => backend.makeOutput([...lead, w], 'float32'));
  copyBlocks(backend, x, outs, widths, rows, 'parts');
  return outs;
}

export const concatConfig: tf.KernelConfig = {
  kernelName: tf.Concat,
  backendName: 'wasm',
  kernelFunc: concat as unknown as tf.KernelFunc,
};

export const splitVConfig: tf.KernelConfig = {
  kernelName: tf.SplitV,
  backendName: 'wasm',
  kernelFunc: splitV as unknown as tf.KernelFunc,
};
