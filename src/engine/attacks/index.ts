/** Public surface of the attacks feature folder. */
export { attack } from './attack';
export type { AttackModel, AttackOptions, AttackResult, CustomLoss } from './types';
export { attackSteps, makeStep, THREAT_MODELS, L2Step, LinfStep, UnconstrainedStep } from './steps';
export type { AttackStep, AttackStepFactory, ThreatModel } from './steps';
export { crossEntropyPerExample } from './losses';
export * from './defaults';
