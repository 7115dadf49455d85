/**
 * Conv2D and FusedConv2D (forward) for the wasm backend: the stock kernels, with 'same' padding
 * turned into the explicit pads tfjs computes. The stock kernels hand 'same' to XNNPACK as
 * TensorFlow SAME padding, which disagrees with tfjs (and the cpu backend) when the window
 * overhangs the input by more than the stride allows, e.g. a 1×2 filter with stride 2 on
 * width 1 (found by the property test in convGrads.test.ts). Explicit pads cost nothing.
 * 3×3 stride-1 convolutions of one-channel inputs (the first layer) run as the direct SIMD loop
 * of conv1.ts (an im2col + GEMM form had lost to XNNPACK there).
 * 3×3 stride-1 convolutions with ≥ 8 input channels (and, fused, only bias and relu/linear) run
 * as Winograd F(2×2,3×3) instead (winograd.ts): fewer multiplies than XNNPACK's direct form.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TI, withScope } from '../wasm/call';
import { Pads, useWinograd, winogradConv } from './winograd';
import { conv1Forward, useConv1 } from './conv1';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/** The stock `kernel` (Conv2D or FusedConv2D: same attrs) called with explicit pads. */
function withExplicitPads(kernel: string) {
  return (args: Args): TI => {
    const { x, filter } = args.inputs as { x: TI; filter: TI };
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const ci = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const { top, bottom, left, right } = ci.padInfo;
    const nhwc = ci.dataFormat === 'channelsLast';
    const pads = { t: top, b: bottom, l: left, r: right };
    const { bias } = args.inputs as { bias?: TI };
    const relu = (args.attrs as unknown as tf.FusedConv2DAttrs).activation === 'relu';
    if (
      nhwc &&
      plainEpilogue(args, ci) &&
      useConv1(args.backend as BackendWasm, ci, 'forward', x, filter)
    )
      return withScope(args.backend, (s) => conv1Forward(s, x, filter, ci, bias, relu));
    if (nhwc && winogradFits(args, ci, pads)) {
      return withScope(args.backend, (s) => winogradConv(s, x, pads, { filter, bias, relu }));
    }
    const pad = nhwc
      ? [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ]
      : attrs.pad;
    return withScope(args.backend, (s) =>
      s.run(kernel, args.inputs as Record<string, TI>, { ...args.attrs, pad }),
    );
  };
}

/** For FusedConv2D only a per-channel float32 bias and relu/linear (plain Conv2D has neither). */
function plainEpilogue(args: Args, ci: tf.backend_util.Conv2DInfo): boolean {
  const { bias, preluActivationWeights } = args.inputs as Record<string, TI | undefined>;
  const activation = (args.attrs as unknown as tf.FusedConv2DAttrs).activation ?? 'linear';
  return (
    !preluActivationWeights &&
    (activation === 'linear' || activation === 'relu') &&
    (!bias ||
      (bias.dtype === 'float32' &&
        sizeOf(bias) === ci.outChannels &&
        bias.shape.at(-1) === ci.outChannels))
  );
}

/** 3×3, stride 1, no dilation, a plain epilogue. */
function winogradFits(args: Args, ci: tf.backend_util.Conv2DInfo, pads: Pads): boolean {
  const { filter } = args.inputs as Record<string, TI | undefined>;
  return (
    ci.strideHeight === 1 &&
    ci.strideWidth === 1 &&
    ci.dilationHeight === 1 &&
    ci.dilationWidth === 1 &&
    filter!.dtype === 'float32' &&
    plainEpilogue(args, ci) &&
    useWinograd(
      args.backend as BackendWasm,
      args.inputs.x as TI,
      ci.filterHeight,
      ci.filterWidth,
      pads,
    )
  );
}

const sizeOf = (t: TI) => t.shape.reduce((a, b) => a * b, 1);

export const conv2d = withExplicitPads('Conv2D');
export const fusedConv2d = withExplicitPads('FusedConv2D');

export const conv2DConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as tf.KernelFunc,
};

export const fusedConv2DConfig: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2d as tf.KernelFunc,
};
