/**
 * Our gradients, listed as tfjs-core's register_all_gradients.ts lists its own: each replaces
 * tfjs's for that kernel (or adds one for a kernel of ours). Register after tfjs-layers (or
 * tfjs-core's register_all_gradients) loaded, or they overwrite these again; repeated calls are
 * harmless. The RflReluGrad kernels (wasm, cpu) the ReLU gradients run are registered here too,
 * where missing: they serve the gradients whether or not our wasm kernels are on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluGradCpuConfig, reluGradWasmConfig } from './elementwise/reluGrad';
import { batchNormTrainGradConfig } from './gradients/batchNormTrain';
import { fusedBatchNormGradConfig } from './gradients/fusedBatchNorm';
import { fusedConv2DGradConfig } from './gradients/fusedConv2D';
import { meanGradConfig } from './gradients/mean';
import { reluGradConfig } from './gradients/relu';
import { reluGradGradConfig } from './gradients/reluGrad';

const GRADIENT_CONFIGS: tf.GradConfig[] = [
  reluGradConfig,
  reluGradGradConfig,
  fusedConv2DGradConfig,
  batchNormTrainGradConfig,
  fusedBatchNormGradConfig,
  meanGradConfig,
];

const GRADIENT_KERNEL_CONFIGS: tf.KernelConfig[] = [reluGradWasmConfig, reluGradCpuConfig];

export function registerGradients(): void {
  for (const config of GRADIENT_KERNEL_CONFIGS)
    if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  for (const config of GRADIENT_CONFIGS) tf.registerGradient(config);
}
