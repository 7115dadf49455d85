/**
 * Defaults of the gradient report (§4), shared by the CLI's option table, the experiment-file
 * steps and the extension's command. Tensor-free: the extension bundle may import it.
 */
export const GRADIENT_DEFAULTS = {
  /** Test images shown. */
  n: 8,
  /** L2 radius and steps of the targeted attacks that draw each class: large, so the class shows. */
  eps: 8,
  steps: 60,
  seed: 0,
} as const;
