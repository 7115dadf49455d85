/**
 * Registry of attack steps keyed by threat model, like robustness `attacker.STEPS`
 * ({'inf': LinfStep, '2': L2Step, 'unconstrained': UnconstrainedStep, …}). The attack looks a
 * step up here by name, or takes a caller's own `AttackStepFactory` (the library likewise accepts
 * an `AttackerStep` subclass as `constraint`).
 */
import type { AttackStep, AttackStepFactory, ThreatModel } from './attackStep';
import { L2Step } from './l2Step';
import { LinfStep } from './linfStep';
import { UnconstrainedStep } from './unconstrainedStep';

export type { AttackStep, AttackStepFactory, ThreatModel } from './attackStep';
export { L2Step } from './l2Step';
export { LinfStep } from './linfStep';
export { UnconstrainedStep } from './unconstrainedStep';

export const attackSteps: Record<ThreatModel, AttackStepFactory> = {
  l2: (origInput, eps, stepSize, useGrad) => new L2Step(origInput, eps, stepSize, useGrad),
  linf: (origInput, eps, stepSize, useGrad) => new LinfStep(origInput, eps, stepSize, useGrad),
  unconstrained: (origInput, eps, stepSize, useGrad) =>
    new UnconstrainedStep(origInput, eps, stepSize, useGrad),
};

export const THREAT_MODELS = Object.keys(attackSteps) as ThreatModel[];

export function makeStep(
  norm: ThreatModel | AttackStepFactory,
  origInput: Parameters<AttackStepFactory>[0],
  eps: number,
  stepSize: number,
): AttackStep {
  const factory = typeof norm === 'function' ? norm : attackSteps[norm];
  if (!factory)
    throw new Error(`Unknown threat model '${String(norm)}': expected ${THREAT_MODELS.join(', ')}`);
  return factory(origInput, eps, stepSize);
}
