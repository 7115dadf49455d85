/**
 * Registers the project's own kernels on the wasm backend, listed as tfjs-backend-wasm's
 * register_all_kernels.ts lists its own: replacements where stock tfjs-backend-wasm lacks a
 * kernel (Conv2DBackpropFilter) or has a slow one, kernels of our own (fused Adam, batch norm in
 * training mode), our gradients (registerGradients.ts), and wasm's threaded build
 * (threads/threads.ts). Must run before tf.setBackend('wasm'). Each kernel's file says why it
 * exists; the folders group them by what they compute.
 */
import * as tf from '@tensorflow/tfjs-core';
// The stock kernels register on import; ours must come after them to replace them.
import '@tensorflow/tfjs-backend-wasm';
import { setRegisteredCustomKernels } from '../backend/ladder';
// Loads tfjs-layers (its gradients), which ours then replace.
import '../backend/gradients';
import { captureStockKernel } from './wasm/call';
import { enableWasmThreads, resolveThreads } from './threads/threads';
import { registerGradients } from './registerGradients';
import { conv2DConfig, fusedConv2DConfig } from './conv/conv2d';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv/convGrads';
import { maxPoolGradConfig } from './pool/maxPoolGrad';
import { avgPoolGradConfig } from './pool/avgPoolGrad';
import { batchMatMulConfig } from './matmul/batchMatMul';
import { meanConfig, sumConfig } from './reduce/sum';
import { tileConfig } from './shape/tile';
import { concatConfig, splitVConfig } from './shape/concat';
import { castConfig, identityConfig } from './shape/identity';
import { fusedBatchNormConfig } from './norm/batchNorm';
import { batchNormTrainConfig, batchNormTrainGradConfig } from './norm/batchNormTrain';
import { addConfig, multiplyConfig, reluConfig } from './elementwise/elementwise';
import { RELU_GRAD } from './elementwise/reluGrad';
import { fusedAdamConfig } from './optim/adam';

/** The stock kernels our kernels are built from (captured before we replace any name). */
const BUILDING_BLOCKS = [
  tf.Conv2D,
  tf.Transpose,
  tf.Reshape,
  tf.Reverse,
  tf.PadV2,
  tf.Slice,
  tf.BatchMatMul,
  tf.Sum,
  tf.Identity,
  tf.Cast,
  tf.Mean,
  tf.Tile,
  tf.FusedConv2D,
  tf.FusedBatchNorm,
  tf.Relu,
  tf.Add,
  tf.Multiply,
  tf.Concat,
  tf.SplitV,
  tf.AvgPoolGrad,
];

/** Replacements of stock wasm kernels. */
const KERNEL_CONFIGS: tf.KernelConfig[] = [
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  sumConfig,
  meanConfig,
  tileConfig,
  concatConfig,
  splitVConfig,
  fusedBatchNormConfig,
  identityConfig,
  castConfig,
  reluConfig,
  addConfig,
  multiplyConfig,
];

/** Kernels of our own, not replacements: train/fusedAdam.ts and models/batchNorm.ts run them
 * where they are registered. */
const OWN_KERNEL_CONFIGS: tf.KernelConfig[] = [
  fusedAdamConfig,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
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
  for (const config of KERNEL_CONFIGS) {
    // Unregister first: registerKernel would warn about the duplicate and then replace it anyway.
    // Keep the stock setupFunc: the backend calls it at init, and when we fall back to the stock
    // kernelFunc (captured above) it needs the cwrap'd wasm function that setup creates.
    const stockConfig = tf.getKernel(config.kernelName, 'wasm');
    if (stockConfig) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, setupFunc: stockConfig?.setupFunc });
  }
  // Again here, not only on import: the ladder tries tfjs-node(-gpu) first, and loading it brings
  // the @tensorflow/tfjs union, whose register_all_gradients puts tfjs's gradients back.
  registerGradients();
  for (const config of OWN_KERNEL_CONFIGS)
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  setRegisteredCustomKernels([
    ...KERNEL_CONFIGS.map((c) => c.kernelName),
    RELU_GRAD,
    ...OWN_KERNEL_CONFIGS.map((c) => c.kernelName),
  ]);
}
