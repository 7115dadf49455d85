/**
 * Registers the project's own kernels on the wasm backend, where stock tfjs-backend-wasm
 * lacks a kernel (Conv2DBackpropFilter) or has a slow one (Conv2DBackpropInput, MaxPoolGrad,
 * BatchMatMul with transposes, Tile, batchnorm, the element-wise passes of elementwise.ts), adds
 * the fused ReLU gradient (reluGrad.ts), and switches wasm to its threaded build (threads.ts).
 * Must run before tf.setBackend('wasm').
 */
import * as tf from '@tensorflow/tfjs-core';
// The stock kernels register on import; ours must come after them to replace them.
import '@tensorflow/tfjs-backend-wasm';
import { setRegisteredCustomKernels } from '../backend/ladder';
import { captureStockKernel } from './call';
import { enableWasmThreads, resolveThreads } from './threads';
import { conv2dBackpropFilter, conv2dBackpropInput } from './convGrads';
import { maxPoolGrad } from './maxPoolGrad';
import { batchMatMul } from './batchMatMul';
import { mean, sum } from './sum';
import { tile } from './tile';
import { batchNorm } from './batchNorm';
import { cast, identity } from './identity';
import { conv2d, fusedConv2d } from './conv2d';
import { add, multiply, relu } from './elementwise';
// Loads tfjs-layers (its gradients) and then replaces the Relu gradient with our fused one.
import '../backend/gradients';
import { RELU_GRAD, registerReluGradient } from './reluGrad';
import { FUSED_ADAM, fusedAdam } from './adam';
import {
  BN_TRAIN,
  BN_TRAIN_GRAD,
  batchNormTrain,
  batchNormTrainGrad,
  registerBatchNormGradients,
} from './batchNormTrain';
import { registerMeanGradient } from './meanGrad';

/** The stock kernels our kernels are built from (captured before we replace any name). */
const BUILDING_BLOCKS = [
  'Conv2D',
  'Transpose',
  'Reshape',
  'Reverse',
  'PadV2',
  'Slice',
  'BatchMatMul',
  'Sum',
  'Identity',
  'Cast',
  'Mean',
  'Tile',
  'FusedConv2D',
  'FusedBatchNorm',
  'Relu',
  'Add',
  'Multiply',
];

const OURS: Array<[string, tf.KernelFunc]> = [
  ['Conv2D', conv2d as tf.KernelFunc],
  ['FusedConv2D', fusedConv2d as tf.KernelFunc],
  ['Conv2DBackpropFilter', conv2dBackpropFilter as tf.KernelFunc],
  ['Conv2DBackpropInput', conv2dBackpropInput as tf.KernelFunc],
  ['MaxPoolGrad', maxPoolGrad as tf.KernelFunc],
  ['BatchMatMul', batchMatMul as tf.KernelFunc],
  ['Sum', sum as tf.KernelFunc],
  ['Mean', mean as tf.KernelFunc],
  ['Tile', tile as tf.KernelFunc],
  ['FusedBatchNorm', batchNorm as tf.KernelFunc],
  ['Identity', identity as tf.KernelFunc],
  ['Cast', cast as tf.KernelFunc],
  ['Relu', relu as tf.KernelFunc],
  ['Add', add as tf.KernelFunc],
  ['Multiply', multiply as tf.KernelFunc],
];

export interface WasmKernelOptions {
  /** Pthreads for XNNPACK (threads.ts): a count or 'auto'; default $RFL_WASM_THREADS or 'auto'. */
  threads?: number | 'auto';
}

let done = false;
export function registerWasmKernels(options: WasmKernelOptions = {}): void {
  if (done) return;
  done = true;
  enableWasmThreads(resolveThreads(options.threads ?? process.env.RFL_WASM_THREADS));
  for (const name of BUILDING_BLOCKS) captureStockKernel(name);
  const names: string[] = [];
  for (const [kernelName, kernelFunc] of OURS) {
    // Unregister first: registerKernel would warn about the duplicate and then replace it anyway.
    // Keep the stock setupFunc: the backend calls it at init, and when we fall back to the stock
    // kernelFunc (captured above) it needs the cwrap'd wasm function that setup creates.
    const stockConfig = tf.getKernel(kernelName, 'wasm');
    if (stockConfig) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc,
      setupFunc: stockConfig?.setupFunc,
    });
    names.push(kernelName);
  }
  // Again here, not only on import: the ladder tries tfjs-node(-gpu) first, and loading it brings
  // the @tensorflow/tfjs union, whose register_all_gradients puts tfjs's Relu gradient back.
  registerReluGradient();
  registerBatchNormGradients();
  registerMeanGradient();
  // Kernels of our own, not replacements: train/fusedAdam.ts and models/batchNorm.ts run them
  // where they are registered.
  const own: Array<[string, unknown]> = [
    [FUSED_ADAM, fusedAdam],
    [BN_TRAIN, batchNormTrain],
    [BN_TRAIN_GRAD, batchNormTrainGrad],
  ];
  for (const [kernelName, kernelFunc] of own)
    if (!tf.getKernel(kernelName, 'wasm'))
      tf.registerKernel({
        kernelName,
        backendName: 'wasm',
        kernelFunc: kernelFunc as tf.KernelFunc,
      });
  setRegisteredCustomKernels([...names, RELU_GRAD, ...own.map(([k]) => k)]);
}
