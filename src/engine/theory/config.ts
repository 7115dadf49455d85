/**
 * The config file of `robust-features theory`: which Gaussian model (μ*, Σ*) to analyse and
 * for which budgets ε (fields and checks in validate.ts), the built-in 2-D demo, and loading.
 */
import { readFileSync } from 'node:fs';
import { type Mat, fromRows } from './linalg';
import { spdFromEigenvalues } from './gaussian';
import { type TheoryConfig, TheoryConfigError, validateTheoryConfig } from './validate';
import { errorMessage } from '../../shared/errorMessage';

export { type TheoryConfig, TheoryConfigError, validateTheoryConfig, MAX_DIM } from './validate';

/** The 2-D demo: a high-variance robust direction at 30° and a low-variance non-robust one. */
export function defaultTheoryConfig(): TheoryConfig {
  const c = Math.cos(Math.PI / 6),
    s = Math.sin(Math.PI / 6);
  const u1 = [c, s],
    u2 = [-s, c];
  const variances = [1, 0.02];
  const sigmaStar = [0, 1].map((i) =>
    [0, 1].map((j) => variances[0]! * u1[i]! * u1[j]! + variances[1]! * u2[i]! * u2[j]!),
  );
  // μ* leans on the robust direction; its small component on u2 is very predictive (σ² = 0.02).
  const muStar = [0, 1].map((i) => 1 * u1[i]! + 0.15 * u2[i]!);
  return {
    dim: 2,
    muStar,
    sigmaStar,
    eps: [0, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
    samples: 2000,
    seed: 0,
  };
}

export function loadTheoryConfig(file: string): TheoryConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TheoryConfigError(file, '(file)', `cannot be read: ${errorMessage(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TheoryConfigError(file, '(file)', `is not valid JSON: ${errorMessage(e)}`);
  }
  return validateTheoryConfig(raw, file);
}

/** Σ* as a matrix (building it from the spectrum if the config gives one). */
export function resolveSigmaStar(cfg: TheoryConfig): Mat {
  return Array.isArray(cfg.sigmaStar)
    ? fromRows(cfg.sigmaStar)
    : spdFromEigenvalues(cfg.sigmaStar.eigenvalues, cfg.sigmaStar.seed);
}
