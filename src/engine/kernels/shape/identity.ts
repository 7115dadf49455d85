/**
 * Identity, and Cast to the same dtype, for the wasm backend without a copy. The engine runs
 * Identity (engine.clone) on every tensor it saves for the backward pass, and relu's gradient
 * casts a float32 step() to float32; the stock wasm kernels copy the whole buffer each time.
 * Tensors are immutable and no wasm kernel writes into its
 * inputs, so sharing the buffer with one more reference is safe; the cpu backend does the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TI, withScope } from '../wasm/call';

function share(backend: tf.KernelBackend, x: TI): TI {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): TI {
  const { x } = args.inputs as { x: TI };
  if (x.dtype === 'string') return withScope(args.backend, (s) => s.run('Identity', { x }));
  return share(args.backend, x);
}

export function cast(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI {
  const { x } = args.inputs as { x: TI };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (x.dtype === dtype && dtype !== 'string' && dtype !== 'complex64')
    return share(args.backend, x);
  return withScope(args.backend, (s) => s.run('Cast', { x }, { dtype }));
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as tf.KernelFunc,
};

export const castConfig: tf.KernelConfig = {
  kernelName: tf.Cast,
  backendName: 'wasm',
  kernelFunc: cast as tf.KernelFunc,
};
