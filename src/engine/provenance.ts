/** What every manifest says about the software that made an artifact. */
import * as tf from '@tensorflow/tfjs-core';
import pkg from '../../package.json';
import { backendInfo } from './backend/ladder';

export const TOOL_VERSION: string = pkg.version;

export function versions(): Record<string, string> {
  return { robustFeaturesLab: TOOL_VERSION, tfjs: tf.version_core, node: process.version };
}

/** The backend as one line, e.g. "wasm (SIMD, 1 thread, own kernels: Conv2DBackpropFilter, …)". */
export function backendLabel(): string {
  const b = backendInfo();
  if (b.name !== 'wasm' || !b.wasmFeatures) return b.name;
  const k = b.customKernels.length ? `, own kernels: ${b.customKernels.join(', ')}` : '';
  return `wasm (SIMD ${b.wasmFeatures.simd ? 'on' : 'off'}, ${b.wasmFeatures.threads} thread(s)${k})`;
}
