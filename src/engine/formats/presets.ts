/**
 * The settings a job starts from when its caller names none, for the CLI and the extension alike.
 * Each is taken from the reproduce profiles or the attack defaults, so a value chosen there by
 * measurement (profiles.ts says how) is what a command offers too. Tensor-free, like all of
 * formats/: the extension bundles it (docs/ARCHITECTURE.md, "Layers").
 */
import type { AdversarialConfig, TrainConfig } from '../train/config';
import type { ConstructConfig, ConstructKind } from '../construct/config';
import { LIBRARY_DEFAULTS } from '../attacks/defaults';
import { profileFor } from './profiles';

/** Madry et al.'s defaults, scaled for 28×28 grey images in [0,1]. */
export const DEFAULT_TRAIN: Omit<TrainConfig, 'model' | 'data'> = {
  epochs: 5,
  batchSize: 128,
  optimizer: 'adam',
  lr: 1e-3,
  schedule: 'constant',
  seed: 0,
};

/** The engine's construction settings (Appendix C's step counts; chunks of 500 to resume by). */
export function constructDefaults(
  kind: ConstructKind,
): Pick<
  ConstructConfig,
  'steps' | 'stepSize' | 'eps' | 'norm' | 'start' | 'fakeRelu' | 'chunkSize' | 'batchSize'
> {
  const common = { chunkSize: 500, batchSize: 250 };
  if (kind === 'robust' || kind === 'nonrobust')
    return { ...common, steps: 1000, stepSize: 0.1, start: 'other-image', fakeRelu: true };
  return { ...common, steps: 100, stepSize: 0.1, eps: 0.5, norm: 'l2' };
}

/** The profile whose settings the interactive commands offer: a run of minutes on Fashion-MNIST. */
const QUICK = profileFor('quick', 'fashion-mnist');

/** Construction in the editor: the quick profile's step counts, on 1,000 images. */
export function constructPreset(
  kind: ConstructKind,
): Omit<ConstructConfig, 'kind' | 'checkpoint' | 'data'> {
  const common = { ...constructDefaults(kind), seed: QUICK.seed, limit: 1000 };
  if (kind === 'robust' || kind === 'nonrobust') {
    const { steps, stepSize, start, fakeRelu } = QUICK.inversion;
    return { ...common, steps, stepSize, start, fakeRelu };
  }
  const { steps, stepSize, eps } = QUICK.relabel;
  return { ...common, steps, stepSize, eps };
}

/** The relabelling attack of a transfer run (§3.3): the quick profile's D_rand settings. */
export const TRANSFER_RELABEL = QUICK.relabel;

/**
 * L∞ radii for 28×28 grey images in [0,1]: the profiles attack in L2 only; 0.1 and 0.2 bracket
 * the radii the Fashion-MNIST literature reports (0.1 common, MNIST's 0.3 too strong for it).
 */
const LINF_EPS = [0.1, 0.2] as const;

const l2 = (eps: number, steps: number): AdversarialConfig => ({ norm: 'l2', eps, steps });

/**
 * Threat models offered for adversarial training; the first is the default: the quick
 * profile's (L2, twice its evaluation ε, the paper's ratio).
 */
export const TRAIN_THREATS: { label: string; adv: AdversarialConfig }[] = [
  {
    label: `L2, ε = ${QUICK.adversarial.eps} (the quick profile's)`,
    adv: l2(QUICK.adversarial.eps, QUICK.adversarial.steps),
  },
  {
    label: `L2, ε = ${QUICK.evaluation.eps}`,
    adv: l2(QUICK.evaluation.eps, LIBRARY_DEFAULTS.attackSteps),
  },
  ...LINF_EPS.map((eps) => ({
    label: `L∞, ε = ${eps}`,
    adv: { norm: 'linf' as const, eps, steps: LIBRARY_DEFAULTS.attackSteps },
  })),
];

/** An experiment file's adversarial training when it names no threat model. */
export const EXPERIMENT_THREAT = {
  norm: QUICK.evaluation.norm,
  eps: QUICK.evaluation.eps,
  steps: LIBRARY_DEFAULTS.attackSteps,
};

/** Robustness evaluation: the quick profile's attack and test-set size. */
export const EVALUATE_PRESET = {
  steps: QUICK.evaluation.steps,
  restarts: QUICK.evaluation.restarts,
  limit: QUICK.testLimit ?? 1000,
  seed: QUICK.seed,
};

/** ε lists offered by Evaluate Robustness: a curve around the profile's evaluation ε, that ε alone, L∞. */
export const EVALUATE_THREATS: { label: string; norm: 'l2' | 'linf'; eps: number[] }[] = [
  curve(
    'l2',
    [1 / 3, 2 / 3, 1, 4 / 3].map((f) => f * QUICK.evaluation.eps),
  ),
  curve('l2', [QUICK.evaluation.eps]),
  curve('linf', [LINF_EPS[0] / 2, ...LINF_EPS]),
];

function curve(
  norm: 'l2' | 'linf',
  eps: number[],
): { label: string; norm: 'l2' | 'linf'; eps: number[] } {
  const round = eps.map((e) => Number(e.toPrecision(3)));
  const name = norm === 'l2' ? 'L2' : 'L∞';
  return {
    label: round.length === 1 ? `${name}, ε = ${round[0]}` : `${name}, ε ∈ {${round.join(', ')}}`,
    norm,
    eps: round,
  };
}

/** The transferability experiment (§3.3) unless told otherwise: CLI, extension, experiment files. */
export const TRANSFER_DEFAULTS = {
  /** Training images for D_rand. */
  trainLimit: 5000,
  testLimit: 1000,
  epochs: 5,
  relabel: TRANSFER_RELABEL,
  seed: QUICK.seed,
} as const;

/** The gradient report (§4) unless told otherwise: CLI, extension, experiment files. */
export const GRADIENT_DEFAULTS = {
  /** Test images shown. */
  n: 8,
  /** L2 radius and steps of the targeted attacks that draw each class: large, so the class shows. */
  eps: 8,
  steps: 60,
  seed: QUICK.seed,
} as const;
