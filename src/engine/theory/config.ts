/**
 * The config file of `robust-features theory`: which Gaussian model (μ*, Σ*) to analyse and
 * for which budgets ε. Every problem is reported with the file and the field at fault, since
 * a mistyped matrix is the most likely error a user makes here.
 */
import { readFileSync } from 'node:fs';
import { type Mat, fromRows, asymmetry } from './linalg';
import { isSpd } from './eigen';
import { spdFromEigenvalues } from './gaussian';

export interface TheoryConfig {
  dim: number;
  muStar: number[];
  /** Σ* itself, or its spectrum with a seeded random orthogonal eigenbasis. */
  sigmaStar: number[][] | { eigenvalues: number[]; seed: number };
  /** Budgets: ε is the root-mean-square ℓ2 norm of the adversary's perturbation (robust.ts). */
  eps: number[];
  /** If set, also fit the standard and robust models on this many samples. */
  samples?: number;
  seed: number;
}

/** Largest dimension accepted: Jacobi and the solver's finite-difference Hessian are O(d³)–O(d⁵). */
export const MAX_DIM = 50;

export class TheoryConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${source}: field '${field}': ${problem}`);
    this.name = 'TheoryConfigError';
  }
}

/** The 2-D demo: a high-variance robust direction at 30° and a low-variance non-robust one. */
export function defaultTheoryConfig(): TheoryConfig {
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6); // prettier-ignore
  const u1 = [c, s], u2 = [-s, c]; // prettier-ignore
  const variances = [1, 0.02];
  const sigmaStar = [0, 1].map((i) => [0, 1].map((j) => variances[0]! * u1[i]! * u1[j]! + variances[1]! * u2[i]! * u2[j]!));
  // μ* leans on the robust direction; its small component on u2 is very predictive (σ² = 0.02).
  const muStar = [0, 1].map((i) => 1 * u1[i]! + 0.15 * u2[i]!);
  return { dim: 2, muStar, sigmaStar, eps: [0, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10], samples: 2000, seed: 0 };
}

const FIELDS = ['dim', 'muStar', 'sigmaStar', 'eps', 'samples', 'seed'];

function finiteArray(v: unknown, len: number | undefined, source: string, field: string): number[] {
  if (!Array.isArray(v)) throw new TheoryConfigError(source, field, `must be an array of numbers, got ${JSON.stringify(v)}`);
  if (len !== undefined && v.length !== len) throw new TheoryConfigError(source, field, `must have ${len} entries (dim), got ${v.length}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TheoryConfigError(source, `${field}[${i}]`, `must be a finite number, got ${JSON.stringify(x)}`);
  });
  return v as number[];
}

/** Checks a parsed config; `source` (the file name) prefixes every message. */
export function validateTheoryConfig(raw: unknown, source: string): TheoryConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TheoryConfigError(source, '(root)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) throw new TheoryConfigError(source, k, `unknown field (expected one of ${FIELDS.join(', ')})`);
  const dim = o.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) throw new TheoryConfigError(source, 'dim', `must be an integer from 1 to ${MAX_DIM}, got ${JSON.stringify(dim)}`);
  const muStar = finiteArray(o.muStar, dim, source, 'muStar');
  if (muStar.every((x) => x === 0)) throw new TheoryConfigError(source, 'muStar', 'must not be the zero vector (the classes would coincide)');
  let sigmaStar: TheoryConfig['sigmaStar'];
  const sg = o.sigmaStar;
  if (Array.isArray(sg)) {
    if (sg.length !== dim) throw new TheoryConfigError(source, 'sigmaStar', `must have ${dim} rows (dim), got ${sg.length}`);
    const rows = sg.map((r, i) => finiteArray(r, dim, source, `sigmaStar[${i}]`));
    const m = fromRows(rows);
    const asym = asymmetry(m);
    if (asym > 1e-9) throw new TheoryConfigError(source, 'sigmaStar', `must be symmetric (largest |Σij − Σji| is ${asym.toExponential(2)} of the largest entry)`);
    if (!isSpd(m)) throw new TheoryConfigError(source, 'sigmaStar', 'must be positive definite (a covariance with a zero or negative variance direction)');
    sigmaStar = rows;
  } else if (typeof sg === 'object' && sg !== null) {
    const e = sg as Record<string, unknown>;
    for (const k of Object.keys(e)) if (k !== 'eigenvalues' && k !== 'seed') throw new TheoryConfigError(source, `sigmaStar.${k}`, 'unknown field (expected eigenvalues, seed)');
    const eigenvalues = finiteArray(e.eigenvalues, dim, source, 'sigmaStar.eigenvalues');
    eigenvalues.forEach((x, i) => {
      if (!(x > 0)) throw new TheoryConfigError(source, `sigmaStar.eigenvalues[${i}]`, `must be > 0 (Σ* positive definite), got ${x}`);
    });
    if (typeof e.seed !== 'number' || !Number.isFinite(e.seed)) throw new TheoryConfigError(source, 'sigmaStar.seed', `must be a finite number, got ${JSON.stringify(e.seed)}`);
    sigmaStar = { eigenvalues, seed: e.seed };
  } else {
    throw new TheoryConfigError(source, 'sigmaStar', 'must be a dim×dim array of rows or {"eigenvalues": [...], "seed": n}');
  }
  const eps = finiteArray(o.eps, undefined, source, 'eps');
  if (eps.length === 0) throw new TheoryConfigError(source, 'eps', 'must list at least one budget');
  eps.forEach((x, i) => {
    if (x < 0) throw new TheoryConfigError(source, `eps[${i}]`, `must be ≥ 0, got ${x}`);
  });
  const samples = o.samples;
  if (samples !== undefined && (typeof samples !== 'number' || !Number.isInteger(samples) || samples <= dim || samples > 1e6))
    throw new TheoryConfigError(source, 'samples', `must be an integer from ${dim + 1} (dim + 1, for an invertible Σ̂) to 1000000, got ${JSON.stringify(samples)}`);
  if (typeof o.seed !== 'number' || !Number.isFinite(o.seed)) throw new TheoryConfigError(source, 'seed', `must be a finite number, got ${JSON.stringify(o.seed)}`);
  return { dim, muStar, sigmaStar, eps, ...(samples !== undefined ? { samples } : {}), seed: o.seed };
}

export function loadTheoryConfig(file: string): TheoryConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TheoryConfigError(file, '(file)', `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TheoryConfigError(file, '(file)', `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validateTheoryConfig(raw, file);
}

/** Σ* as a matrix (building it from the spectrum if the config gives one). */
export function resolveSigmaStar(cfg: TheoryConfig): Mat {
  return Array.isArray(cfg.sigmaStar) ? fromRows(cfg.sigmaStar) : spdFromEigenvalues(cfg.sigmaStar.eigenvalues, cfg.sigmaStar.seed);
}
