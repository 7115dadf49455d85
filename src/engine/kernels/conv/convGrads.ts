/**
 * Conv2D gradients for the wasm backend, both expressed as one forward convolution so that the
 * work runs in XNNPACK's SIMD convolution (the stock Conv2DBackpropInput is a scalar C++ loop,
 * and there is no stock Conv2DBackpropFilter at all). NHWC, dilation 1 (tfjs's conv2d gradient
 * refuses dilation > 1 anyway), any kernel size, stride and 'same'/'valid'/explicit padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Scope, TI, withScope } from '../wasm/call';
import { filterGradGemm, filterGradStrategy, useGemmFilterGrad } from './convFilterGemm';
import { inputGradGemm, inputGradStrategy, useGemmInputGrad } from './convInputGemm';
import { useWinograd, winogradConv, type Pads } from './winograd';
import { winogradFilterGrad } from './winogradFilterGrad';
import { conv1FilterGrad, conv1InputGrad, useConv1 } from './conv1';

/** Stock Conv2D (XNNPACK) with explicit padding; negative pads crop the input instead. */
function conv(s: Scope, x: TI, filter: TI, p: Pads, dilations: [number, number]): TI {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const ct = Math.max(0, -p.t),
    cb = Math.max(0, -p.b),
    cl = Math.max(0, -p.l),
    cr = Math.max(0, -p.r);
  if (ct + cb + cl + cr > 0) {
    x = s.run('Slice', { x }, { begin: [0, ct, cl, 0], size: [n, h - ct - cb, w - cl - cr, c] });
  }
  const pad = [
    [0, 0],
    [Math.max(0, p.t), Math.max(0, p.b)],
    [Math.max(0, p.l), Math.max(0, p.r)],
    [0, 0],
  ];
  return s.run(
    'Conv2D',
    { x, filter },
    { strides: [1, 1], pad, dilations, dataFormat: 'NHWC', dimRoundingMode: undefined },
  );
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('wasm conv2d gradients support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * dW[i,j,ci,co] = Σ_{n,y,x} X[n, y·s+i−pt, x·s+j−pl, ci] · dY[n,y,x,co]. Read with ci as the
 * batch, n as the channels and dY as a (Ho×Wo) filter dilated by the stride, this is a stride-1
 * convolution of Xᵀ=[Ci,H,W,N] with dYᵀ=[Ho,Wo,N,Co] whose output is [Ci,kh,kw,Co].
 */
export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { x, dy } = args.inputs as { x: TI; dy: TI };
  const filterShape = (args.attrs as unknown as tf.Conv2DBackpropFilterAttrs).filterShape;
  const ci = convInfo(x.shape, filterShape, args.attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const [ho, wo] = [ci.outHeight, ci.outWidth];
  const { top: pt, left: pl } = ci.padInfo;
  const backend = args.backend as BackendWasm;
  const pads = { t: pt, b: ci.padInfo.bottom, l: pl, r: ci.padInfo.right };
  // A forced form (benchmarks, tests) is that form, also where the first layer's loops fit.
  if (filterGradStrategy() === 'auto' && useConv1(backend, ci, 'filter', x, dy))
    return withScope(backend, (s) => conv1FilterGrad(s, x, dy, ci));
  if (sh === 1 && sw === 1 && dy.dtype === 'float32' && useWinograd(backend, x, kh, kw, pads))
    return withScope(backend, (s) => winogradFilterGrad(s, x, dy, pads));
  if (useGemmFilterGrad(backend))
    return withScope(args.backend, (s) => filterGradGemm(s, x, dy, ci));
  return withScope(args.backend, (s) => {
    const xT = s.transpose(x, [3, 1, 2, 0]);
    const dyT = s.transpose(dy, [1, 2, 0, 3]);
    // Pad bottom/right so that exactly kh×kw outputs come out (negative: rows never read).
    const pads = {
      t: pt,
      l: pl,
      b: kh + (ho - 1) * sh - ci.inHeight - pt,
      r: kw + (wo - 1) * sw - ci.inWidth - pl,
    };
    const out = conv(s, xT, dyT, pads, [sh, sw]);
    return s.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * dX is the full correlation of dY, stride-dilated (zeros inserted between rows/columns), with
 * the filter flipped in space and with in/out channels swapped: one stride-1 convolution. For
 * stride 1 and a 3×3 filter that convolution runs as Winograd F(2×2,3×3) (winograd.ts), whose
 * filter transform does the flip and the swap.
 */
export function conv2dBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { dy, filter } = args.inputs as { dy: TI; filter: TI };
  const inputShape = (args.attrs as unknown as tf.Conv2DBackpropInputAttrs).inputShape;
  const ci = convInfo(inputShape, filter.shape, args.attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = ci;
  const [n, ho, wo, co] = dy.shape as [number, number, number, number];
  const { top: pt, left: pl } = ci.padInfo;
  if (
    inputGradStrategy() === 'auto' &&
    useConv1(args.backend as BackendWasm, ci, 'input', dy, filter)
  )
    return withScope(args.backend, (s) => conv1InputGrad(s, dy, filter, ci));
  if (useGemmInputGrad(ci, args.backend as BackendWasm)) {
    return withScope(args.backend, (s) => inputGradGemm(s, dy, filter, ci));
  }
  if (sh === 1 && sw === 1) {
    const pads = {
      t: kh - 1 - pt,
      b: ci.inHeight + pt - ho,
      l: kw - 1 - pl,
      r: ci.inWidth + pl - wo,
    };
    if (filter.dtype === 'float32' && useWinograd(args.backend as BackendWasm, dy, kh, kw, pads))
      return withScope(args.backend, (s) => winogradConv(s, dy, pads, { filter, backward: true }));
  }
  return withScope(args.backend, (s) => {
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wT = s.transpose(flipped, [0, 1, 3, 2]);
    let g = dy;
    if (sh > 1 || sw > 1) {
      // Zero insertion as a pad of a 6-D view: [n,ho,1,wo,1,co] → [n,ho,sh,wo,sw,co].
      const v = s.reshape(dy, [n, ho, 1, wo, 1, co]);
      const padded = s.run(
        'PadV2',
        { x: v },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      g = s.reshape(padded, [n, ho * sh, wo * sw, co]);
    }
    // The dilated dY spans (ho−1)·sh+1 rows; g already carries sh−1 trailing zero rows.
    const pads = {
      t: kh - 1 - pt,
      b: ci.inHeight + pt - (ho - 1) * sh - 1 - (sh - 1),
      l: kw - 1 - pl,
      r: ci.inWidth + pl - (wo - 1) * sw - 1 - (sw - 1),
    };
    return conv(s, g, wT, pads, [1, 1]);
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as tf.KernelFunc,
};

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as tf.KernelFunc,
};
