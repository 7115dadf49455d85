/** Typed training configuration: what a checkpoint's manifest records as `training`. */
import type { ArchName } from '../models/registry';

/** SGD's momentum when a config names none (PyTorch's usual 0.9 for the paper's recipe). */
export const DEFAULT_MOMENTUM = 0.9;

export interface AdversarialConfig {
  norm: 'l2' | 'linf';
  eps: number;
  /** PGD iterations used to make each training example. */
  steps: number;
  /** Default 2.5·ε/steps (Madry et al.). */
  stepSize?: number;
}

export interface TrainConfig {
  model: ArchName;
  /** Dataset spec, e.g. 'fashion-mnist', 'cifar10:/path', 'folder:/path', 'npy:/path'. */
  data: string;
  trainLimit?: number;
  /** Test set spec when it is not `data`'s test split (models trained on constructed datasets are tested on the original). */
  testData?: string;
  testLimit?: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: 'constant' | 'step' | 'cosine';
  /** Random crop (pad 4) and horizontal flip; sensible for CIFAR-like data only. */
  augment?: boolean;
  adversarial?: AdversarialConfig;
  seed: number;
}

/** Kept in formats/presets.ts, which the extension may import too. */
export { DEFAULT_TRAIN } from '../formats/presets';
