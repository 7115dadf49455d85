/**
 * Identity for the wasm backend without a copy. The engine runs Identity (engine.clone) on every
 * tensor it saves for the backward pass, and the stock wasm kernel copies the whole buffer each
 * time (~10 ms per cnn training step). Tensors are immutable and no wasm kernel writes into its
 * inputs, so sharing the buffer with one more reference is safe; the cpu backend does the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TI, withScope } from './call';

export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): TI {
  const { x } = args.inputs as { x: TI };
  if (x.dtype === 'string') return withScope(args.backend, (s) => s.run('Identity', { x }));
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
