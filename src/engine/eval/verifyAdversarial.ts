/**
 * The ensemble's own look at each adversarial point, as the reference has it: fra31/auto-attack
 * re-classifies every attack's output with the model rather than trusting the attack's flag, and
 * ends by reporting the points' largest perturbation, NaNs and range. Here a point counts only
 * if the model misclassifies it in a plain forward pass and it lies in the ε-ball and the box
 * [0, 1] with no NaN. An attack's claim rests on a forward pass inside its loop (another batch
 * composition, an iterate before the last projection): a model whose answer depends on the
 * batch or on the call (batch statistics, noise), or a bug in an attack, shows up here instead of
 * as a robust accuracy that is too low.
 */
import type { LogitsFn } from './accuracy';
import { predictLabels } from './accuracy';
import type { JobContext } from '../types';
import { rowDistance } from '../attacks/fabProjection';

/** Float32 slack on the ε-ball and the box: a projection onto the sphere rounds either way. */
export const VERIFY_TOLERANCE = 1e-5;

export type PointFault =
  'classified correctly' | 'outside the ε-ball' | 'outside [0, 1]' | 'not a number';

export interface PointsToVerify {
  /** Row-major NHWC: the clean images and their adversarial points, one row each. */
  clean: Float32Array;
  adv: Float32Array;
  labels: Int32Array;
  shape: [number, number, number, number];
}

/**
 * The perturbation's norm of row `i` (measured as FAB measures its own success, `rowDistance`)
 * and whether the row stays finite and in [0, 1].
 */
function rowCheck(
  p: PointsToVerify,
  i: number,
  norm: 'l2' | 'linf',
): { size: number; box: boolean; finite: boolean } {
  const row = p.shape[1] * p.shape[2] * p.shape[3];
  let box = true;
  let finite = true;
  for (let k = i * row; k < (i + 1) * row; k++) {
    const v = p.adv[k]!;
    if (!Number.isFinite(v)) finite = false;
    if (v < -VERIFY_TOLERANCE || v > 1 + VERIFY_TOLERANCE) box = false;
  }
  return { size: rowDistance(norm, p.adv, i * row, p.clean, i * row, row), box, finite };
}

/** Per point: undefined when it is a valid adversarial example, else what is wrong with it. */
export async function verifyPoints(
  fn: LogitsFn,
  p: PointsToVerify,
  norm: 'l2' | 'linf',
  eps: number,
  batchSize: number,
  ctx: JobContext = {},
): Promise<(PointFault | undefined)[]> {
  const n = p.shape[0];
  if (n === 0) return [];
  const pred = await predictLabels(
    fn,
    {
      images: p.adv,
      labels: p.labels,
      shape: p.shape,
      numClasses: 0,
      source: 'adversarial points',
    },
    batchSize,
    ctx,
  );
  return Array.from({ length: n }, (_, i) => {
    const r = rowCheck(p, i, norm);
    if (!r.finite) return 'not a number';
    if (r.size > eps + VERIFY_TOLERANCE) return 'outside the ε-ball';
    if (!r.box) return 'outside [0, 1]';
    if (pred[i] === p.labels[i]) return 'classified correctly';
    return undefined;
  });
}

/** "3 of 412 adversarial points do not hold (2 classified correctly, 1 outside the ε-ball)". */
export function describeFaults(faults: (PointFault | undefined)[]): string {
  const counts = new Map<PointFault, number>();
  for (const f of faults) if (f) counts.set(f, (counts.get(f) ?? 0) + 1);
  const bad = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...counts].map(([f, c]) => `${c} ${f}`).join(', ');
  return `${bad} of ${faults.length} adversarial points do not hold (${parts})`;
}
