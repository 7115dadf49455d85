/** The Gaussian theory of Ilyas et al. (2019), Section 4: public surface of src/engine/theory. */
export * from './linalg';
export {
  eigSym,
  compose,
  spectralMap,
  sqrtm,
  invSpd,
  logDetSpd,
  expmSym,
  isSpd,
  type Eigen,
} from './eigen';
export * from './gaussian';
export * from './robust';
export * from './solver';
export * from './misalignment';
export * from './ellipse';
export * from './svg';
export * from './config';
export { CONVENTIONS } from './conventions';
export { runTheoryExperiment, type RunOptions, type TheoryResult } from './run';
export { robustFit, NUMERICAL_MAX_DIM, type FitOptions, type RobustFit } from './fit';
export { evaluate as robustObjective } from './objective';
export { renderTheoryPlots } from './plots';
