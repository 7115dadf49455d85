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
  registerFusedConvGradient();
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

/**
 * A gradient for the FusedConv2D kernel (conv + bias + ReLU or linear), which tfjs-core only
 * differentiates through its own fused.conv2d op (a customGrad that, with ReLU, it never uses
 * under a gradient: it runs Conv2D, Add and Relu instead, two extra passes over the output).
 * models/reluConv2d.ts runs the kernel directly with this gradient: dz = dy·step(y) (y > 0
 * exactly where the pre-activation is), then tfjs's Conv2D gradient of dz (input and filter) and
 * the bias gradient Σ dz, each computed only if asked for.
 */
function registerFusedConvGradient(): void {
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as tf.FusedConv2DAttrs;
      if (a.activation !== 'relu' && a.activation !== 'linear')
        throw new Error(`FusedConv2D: no gradient for activation ${a.activation}`);
      const dz = a.activation === 'relu' ? reluGrad(dy as tf.Tensor, y) : (dy as tf.Tensor);
      // The plain convolution's gradients are tfjs's own (registered with tfjs-layers' gradients).
      const conv = tf.getGradient('Conv2D')?.gradFunc(dz, [x, filter], attrs);
      if (!conv) throw new Error('FusedConv2D gradient: the Conv2D gradient is not registered');
      return { ...conv, bias: () => tf.sum(dz, [0, 1, 2]) };
    },
  });
}
