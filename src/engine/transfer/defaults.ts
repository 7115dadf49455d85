/**
 * Defaults of the transferability experiment (§3.3), shared by the CLI's option table, the
 * experiment-file steps and the extension's command. Tensor-free: the extension bundle may
 * import it.
 */
import { profileFor } from '../formats/profiles';

export const TRANSFER_DEFAULTS = {
  /** Training images for D_rand. */
  trainLimit: 5000,
  testLimit: 1000,
  epochs: 5,
  /** reproduce's Fashion-MNIST relabelling (README, "Choosing ε on Fashion-MNIST"). */
  relabel: profileFor('quick', 'fashion-mnist').relabel,
  seed: 0,
} as const;
