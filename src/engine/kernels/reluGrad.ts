/**
 * The ReLU gradient as one kernel. tfjs-core's gradient for 'Relu' is mul(dy, cast(step(x))):
 * two full passes and a temporary per ReLU layer and step. Ours runs 'RflReluGrad' (dy, x →
 * dy · step(x), the same float32 multiply, so bit-identical, NaN for x NaN included) when the
 * active backend has it: wasm (one SIMD pass, elementwise.ts) and cpu (a JS loop); on any other
 * backend (tfjs-node) or dtype it falls back to tfjs's composite.
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
function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused =
    elementwiseOn.reluGrad &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.util.arraysEqual(dy.shape, x.shape) &&
    tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
  return fused ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy, x }) : composite(dy, x);
}

/**
 * Registers the kernels (wasm, cpu) and the gradient of 'Relu', replacing tfjs-core's. Call it
 * after tfjs-layers (or tfjs-core's register_all_gradients) loaded, or they overwrite it again;
 * repeated calls are harmless.
 */
export function registerReluGradient(): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', reluGradWasm],
    ['cpu', reluGradCpu],
  ] as const) {
    if (!tf.getKernel(RELU_GRAD, backendName)) {
      tf.registerKernel({
        kernelName: RELU_GRAD,
        backendName,
        kernelFunc: kernelFunc as tf.KernelFunc,
      });
    }
  }
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluGrad(dy as tf.Tensor, saved[0]!) }),
  });
  // Second-order gradients (e.g. of an input-gradient norm) pass through the same mask.
  tf.registerGradient({
    kernelName: RELU_GRAD,
    inputsToSave: ['x'],
    gradFunc: (ddx, saved) => ({
      dy: () => reluGrad(ddx as tf.Tensor, saved[0]!),
      x: () => tf.zerosLike(saved[0]!),
    }),
  });
}
