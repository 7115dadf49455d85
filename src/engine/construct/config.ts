/**
 * What to construct, with the paper's settings as defaults (Appendix C, CIFAR-10):
 * D_R / D_NR: 1000 steps of normalised-gradient descent, step 0.1, from another training image;
 * D_rand / D_det: targeted L2 PGD, ε = 0.5, 100 steps of 0.1 (`norm: 'linf'` for the L∞ threat model).
 */
export type ConstructKind = 'robust' | 'nonrobust' | 'rand' | 'det';
export const CONSTRUCT_KINDS: readonly ConstructKind[] = ['robust', 'nonrobust', 'rand', 'det'];

export const KIND_NAMES: Record<ConstructKind, string> = {
  robust: 'D_R (robustified: g of a robust model)',
  nonrobust: 'D_NR (non-robust: g of a standard model)',
  rand: 'D_rand (relabelled to a random class by targeted PGD on a standard model)',
  det: 'D_det (relabelled to (y+1) mod C by targeted PGD on a standard model)',
};

export interface ConstructConfig {
  kind: ConstructKind;
  /** Checkpoint whose g(x) (robust/nonrobust) or logits (rand/det) drive the construction. */
  checkpoint: string;
  /** Source dataset spec (training split), e.g. 'fashion-mnist'. */
  data: string;
  /** Use the first N images of the seeded, class-balanced subset. */
  limit?: number;
  seed: number;
  steps: number;
  stepSize: number;
  /** rand/det only: radius of the targeted attack, in `norm`. */
  eps?: number;
  /** rand/det only: the targeted attack's norm; absent in builds made before L∞ existed: 'l2'. */
  norm?: 'l2' | 'linf';
  /** robust/nonrobust only: where x_r starts. 'other-image': a training image chosen independently of the label (the paper's choice); 'noise': 0.5 + N(0,1)/20. */
  start?: 'other-image' | 'noise';
  /**
   * robust/nonrobust only: differentiate g's final ReLU as the identity (robustness' `fake_relu=True`,
   * used by its inversion; models/inversionRep.ts says why). false: the exact ReLU gradient.
   */
  fakeRelu?: boolean;
  /** Images per chunk: the unit of resumption and of sharding. */
  chunkSize: number;
  batchSize: number;
}

/** Kept in formats/presets.ts, which the extension may import too. */
export { constructDefaults } from '../formats/presets';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new Error(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4), got '${s}'`);
  return { index, count };
}
