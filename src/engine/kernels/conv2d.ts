/**
 * Conv2D and FusedConv2D (forward) for the wasm backend: the stock kernels, with 'same' padding
 * turned into the explicit pads tfjs computes. The stock kernels hand 'same' to XNNPACK as
 * TensorFlow SAME padding, which disagrees with tfjs (and the cpu backend) when the window
 * overhangs the input by more than the stride allows, e.g. a 1×2 filter with stride 2 on width 1 (found by the
 * property test in convGrads.test.ts). Explicit pads cost nothing.
 * (An im2col + GEMM form for 1-channel inputs was measured too: 7 ms vs 6 ms at the cnn's first
 * layer, batch 128, so XNNPACK's convolution stays.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { TI, withScope } from './call';

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

export const conv2d = withExplicitPads('Conv2D');
export const fusedConv2d = withExplicitPads('FusedConv2D');
