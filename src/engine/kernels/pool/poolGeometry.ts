/** A pooling gradient's shapes (tfjs's computePool2DInfo), under the names our pool kernels use. */
import * as tf from '@tensorflow/tfjs-core';
import type { TI } from '../wasm/call';

export interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: tf.MaxPoolGradAttrs['pad'];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function poolGeometry(input: TI, a: PoolAttrs) {
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const p = info.padInfo;
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    ho: info.outHeight,
    wo: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    pad: { t: p.top, b: p.bottom, l: p.left, r: p.right },
    channelsLast: info.dataFormat === 'channelsLast',
  };
}
