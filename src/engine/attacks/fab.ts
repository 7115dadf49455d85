/**
 * One run of targeted FAB (Croce & Hein, ICML 2020, "Minimally distorted adversarial examples
 * with a fast adaptive boundary attack"), the FAB-T of AutoAttack. FAB looks for the adversarial
 * point closest to the clean point x₀: at the iterate x it linearises the boundary between the
 * label y and the target t, f(z) = z_t − z_y = 0, projects both x and x₀ onto that hyperplane
 * inside the image box (`fabProjection.ts`), and moves to a mix of the two projections biased
 * towards x₀ (`fabStep`). Once an iterate is adversarial it is recorded if it is the closest so
 * far, and the iterate is pulled back towards x₀ by β, to look for a closer one.
 *
 * Per iteration: the gap f and its input gradient (one forward, one backward), the move, and one
 * forward pass for the prediction at the new point, as the reference does. The iterate lives in
 * a plain array: the move is per-example arithmetic around the projection, which is itself
 * plain-array code; tfjs sees the model passes only.
 *
 * Difference from the reference, on purpose: a batch stops early once every example has an
 * adversarial point within ε. AutoAttack only asks whether such a point exists, and the closest
 * distance found only falls, so the answer cannot change; the points returned may lie farther
 * from x₀ than a full run's.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients';
import { cancellationPoint } from '../types';
import { BestIterate } from './bestIterate';
import { HyperplaneProjector, rowDistance, rowNorm, type FabNorm } from './fabProjection';
import { targetGapPerExample } from './losses';
import { lossAndGrad, tfjsSeed, type Objective } from './pgd';
import { makeStep } from './steps';
import type { AttackModel } from './types';
import type { AttackRunResult } from './unbroken';

export interface FabParams {
  /** Largest weight of the step from x₀ (the reference's alpha_max). */
  alphaMax: number;
  /** Overshoot: how far past the linearised boundary each projection moves (η ≥ 1). */
  eta: number;
  /** Pull-back towards x₀ after an adversarial iterate (β < 1). */
  beta: number;
}

/** AutoAttack's FAB-T settings (the reference's defaults). */
export const FAB_PARAMS: FabParams = { alphaMax: 0.1, eta: 1.05, beta: 0.9 };

/**
 * Floor of the projections' norms in α = ‖d₁‖ / (‖d₁‖ + ‖d₂‖): the reference's 1e-8, which makes
 * α = ½ (then α_max) rather than 0/0 when both points already lie on the hyperplane.
 */
const FAB_NORM_FLOOR = 1e-8;

/**
 * FAB's move, in place on every example of the batch `x` (row-major, `size` values each), given
 * the target gap f at x (`gap`) and its gradient w (`grad`, laid out as x). With the hyperplane
 * H = {z : f + ⟨w, z − x⟩ = 0}, the boundary linearised at x:
 *   d₁ = proj(x, H) − x,  d₂ = proj(x₀, H) − x₀   (both within [0,1]),
 *   α  = min(‖d₁‖ / (‖d₁‖ + ‖d₂‖), α_max),
 *   x ← clip((1 − α)(x + η·d₁) + α(x₀ + η·d₂), 0, 1).
 * The step from x₀ keeps the iterate near the clean point, and more so the nearer x₀'s own
 * projection is: that is what makes the boundary point found a close one.
 */
export function fabStep(
  norm: FabNorm,
  x: Float32Array,
  x0: ArrayLike<number>,
  grad: ArrayLike<number>,
  gap: ArrayLike<number>,
  size: number,
  p: FabParams,
  projector = new HyperplaneProjector(size),
): void {
  const d1 = new Float64Array(size);
  const d2 = new Float64Array(size);
  for (let e = 0; e < gap.length; e++) {
    const at = e * size;
    // H as ⟨w, z⟩ = b.
    let b = -gap[e]!;
    for (let i = 0; i < size; i++) b += grad[at + i]! * x[at + i]!;
    projector.project(norm, x, at, grad, at, b, d1);
    projector.project(norm, x0, at, grad, at, b, d2);
    const a1 = Math.max(rowNorm(norm, d1, 0, size), FAB_NORM_FLOOR);
    const a2 = Math.max(rowNorm(norm, d2, 0, size), FAB_NORM_FLOOR);
    const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), p.alphaMax);
    for (let i = 0; i < size; i++) {
      const v =
        (x[at + i]! + p.eta * d1[i]!) * (1 - alpha) + (x0[at + i]! + p.eta * d2[i]!) * alpha;
      x[at + i] = Math.min(Math.max(v, 0), 1);
    }
  }
}

/** The target gap z_t − z_y per example, whose zero set FAB linearises. */
export function fabObjective(
  model: AttackModel,
  labels: tf.Tensor1D,
  targets: tf.Tensor1D,
): Objective {
  return { evaluate: (xx) => ({ losses: targetGapPerExample(model(xx), labels, targets) }) };
}

/**
 * One FAB iteration, in place on the batch `x` (`clean` the clean points, same layout): the gap
 * and its gradient at x (one forward, one backward; `ones` is the [n] all-ones weight), the move
 * of `fabStep`, then the prediction at the new point (one forward). The caller owns `moved` (a
 * copy of the new x) and `pred`; `predicted` is `pred` read back. This is what `bench` times as
 * a FAB-T iteration.
 */
export async function fabIteration(
  model: AttackModel,
  objective: Objective,
  x: Float32Array,
  clean: Float32Array,
  shape: [number, number, number, number],
  ones: tf.Tensor1D,
  norm: FabNorm,
  p: FabParams,
  projector: HyperplaneProjector,
): Promise<{ moved: tf.Tensor4D; pred: tf.Tensor1D; predicted: Int32Array }> {
  const xt = tf.tensor4d(x, shape);
  const { losses, grad } = lossAndGrad(objective, xt, ones);
  xt.dispose();
  const gap = (await losses.data()) as Float32Array;
  const g = (await grad.data()) as Float32Array;
  tf.dispose([losses, grad]);
  fabStep(norm, x, clean, g, gap, projector.size, p, projector);
  // A copy: tfjs may keep the array itself as the tensor's storage, and x moves on.
  const moved = tf.tensor4d(x.slice(), shape);
  const pred = tf.tidy(() => tf.argMax<tf.Tensor1D>(model(moved), 1));
  return { moved, pred, predicted: (await pred.data()) as Int32Array };
}

export interface FabRunConfig extends FabParams {
  norm: FabNorm;
  /** Success needs an adversarial point within ε; a random start lies at ε/2. */
  eps: number;
  labels: tf.Tensor1D;
  targets: tf.Tensor1D;
  iterations: number;
  /** Start at a random point at distance ε/2 (the reference: for every restart but the first). */
  randomStart?: boolean;
  seed?: number;
  signal?: AbortSignal;
  /** After each iteration: its index and how many examples have a point within ε so far. */
  onIteration?: (iteration: number, withinEps: number) => void;
  /**
   * Debug hook: the batch after the move of iteration i (0-based), before the pull-back of the
   * adversarial examples. Valid only during the call; do not keep or change it.
   */
  inspect?: (iteration: number, x: Float32Array) => void;
}

export interface FabRun extends AttackRunResult {
  /** Per example ‖adv − x₀‖ (Infinity where no adversarial point was found). */
  distance: Float64Array;
}

export async function runFab(
  model: AttackModel,
  x0: tf.Tensor4D,
  cfg: FabRunConfig,
): Promise<FabRun> {
  const shape = x0.shape;
  const n = shape[0];
  const size = n ? x0.size / n : 0;
  const clean = Float32Array.from((await x0.data()) as Float32Array);
  const labels = (await cfg.labels.data()) as Int32Array;
  let x = clean.slice();
  if (cfg.randomStart) {
    // The reference's start: a random direction scaled to ε/2, as the steps draw theirs.
    const start = makeStep(cfg.norm, x0, cfg.eps / 2, 0).randomPerturb(x0, tfjsSeed(cfg.seed));
    x = Float32Array.from((await start.data()) as Float32Array);
    start.dispose();
  }
  const objective = fabObjective(model, cfg.labels, cfg.targets);
  const ones = tf.ones<tf.Rank.R1>([n]);
  // Closest adversarial iterate: the distance is the loss to minimise, Infinity where not adversarial.
  const best = new BestIterate(-1);
  const closest = new Float64Array(n).fill(Infinity);
  const projector = new HyperplaneProjector(size);
  try {
    best.offer(x0, tf.fill<tf.Rank.R1>([n], Infinity), tf.clone(cfg.labels));
    for (let i = 0; i < cfg.iterations; i++) {
      await cancellationPoint(cfg.signal, 'FAB attack');
      const {
        moved,
        pred,
        predicted: p,
      } = await fabIteration(model, objective, x, clean, shape, ones, cfg.norm, cfg, projector);
      cfg.inspect?.(i, x);
      const dist = new Float32Array(n).fill(Infinity);
      for (let e = 0; e < n; e++) {
        if (p[e] === labels[e]) continue;
        const at = e * size;
        dist[e] = rowDistance(cfg.norm, x, at, clean, at, size);
        closest[e] = Math.min(closest[e]!, dist[e]!);
        for (let k = at; k < at + size; k++) x[k] = clean[k]! + (x[k]! - clean[k]!) * cfg.beta;
      }
      best.offer(moved, tf.tensor1d(dist), pred);
      moved.dispose();
      let within = 0;
      for (const d of closest) if (d <= cfg.eps) within++;
      cfg.onIteration?.(i, within);
      if (within === n) break;
    }
    const r = best.release();
    const advData = (await r.adv.data()) as Float32Array;
    const pred = (await r.pred!.data()) as Int32Array;
    tf.dispose([r.loss, r.pred!]);
    // Success is measured again on the point returned: adversarial and within ε.
    const distance = new Float64Array(n);
    const success = new Array<boolean>(n);
    for (let e = 0; e < n; e++) {
      const adversarial = pred[e] !== labels[e];
      distance[e] = adversarial
        ? rowDistance(cfg.norm, advData, e * size, clean, e * size, size)
        : Infinity;
      success[e] = distance[e]! <= cfg.eps;
    }
    return { adv: r.adv, success, distance };
  } finally {
    best.dispose();
    ones.dispose();
  }
}
