/**
 * The ReLU gradient as one kernel. tfjs-core's gradient for 'Relu' is mul(dy, cast(step(x))):
 * two full passes and a temporary per ReLU layer and step. 'RflReluGrad' (dy, x → dy · step(x),
 * the same float32 multiply, so bit-identical, NaN for x NaN included) runs on wasm (one SIMD
 * pass, elementwise.ts) and cpu (a JS loop); reluGrad() falls back to tfjs's composite on any
 * other backend (tfjs-node) or dtype. The gradients that use it are in ../gradients/.
 */
import * as tf from '@tensorflow/tfjs-core';
import { elementwiseOn, reluGradWasm, step01 } from './elementwise';

export const RELU_GRAD = 'RflReluGrad';

function reluGradCpu(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }) {
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const backend = args.backend as tf.KernelBackend & {
    makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  };
  const d = backend.readSync(dy.dataId) as Float32Array;
  const xs = backend.readSync(x.dataId) as Float32Array;
  const out = new Float32Array(xs.length);
  for (let i = 0; i < out.length; i++) out[i] = d[i]! * step01(xs[i]!);
  return backend.makeTensorInfo(x.shape, 'float32', out);
}

const composite = (dy: tf.Tensor, x: tf.Tensor) => tf.mul(dy, tf.cast(tf.step(x), 'float32'));

/** dy · step(x): also what the fused kernel's own gradient w.r.t. dy needs (x's is zero). */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused =
    elementwiseOn.reluGrad &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
  return fused ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy, x }) : composite(dy, x);
}

export const reluGradWasmConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGradWasm as tf.KernelFunc,
};

export const reluGradCpuConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'cpu',
  kernelFunc: reluGradCpu as tf.KernelFunc,
};
