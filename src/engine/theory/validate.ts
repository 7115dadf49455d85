/**
 * Validation of the theory config (config.ts): every problem names the file and the field at
 * fault, since a mistyped matrix is the most likely error a user makes here. Σ* must be
 * symmetric positive definite (the Gaussian model needs a covariance), dimensions consistent.
 */
import { fromRows, asymmetry } from './linalg';
import { isSpd } from './eigen';

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

const FIELDS = ['dim', 'muStar', 'sigmaStar', 'eps', 'samples', 'seed'];

function finiteArray(v: unknown, len: number | undefined, source: string, field: string): number[] {
  if (!Array.isArray(v))
    throw new TheoryConfigError(
      source,
      field,
      `must be an array of numbers, got ${JSON.stringify(v)}`,
    );
  if (len !== undefined && v.length !== len)
    throw new TheoryConfigError(source, field, `must have ${len} entries (dim), got ${v.length}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new TheoryConfigError(
        source,
        `${field}[${i}]`,
        `must be a finite number, got ${JSON.stringify(x)}`,
      );
  });
  return v as number[];
}

/** Checks a parsed config; `source` (the file name) prefixes every message. */
export function validateTheoryConfig(raw: unknown, source: string): TheoryConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new TheoryConfigError(source, '(root)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!FIELDS.includes(k))
      throw new TheoryConfigError(
        source,
        k,
        `unknown field (expected one of ${FIELDS.join(', ')})`,
      );
  const dim = o.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIM)
    throw new TheoryConfigError(
      source,
      'dim',
      `must be an integer from 1 to ${MAX_DIM}, got ${JSON.stringify(dim)}`,
    );
  const muStar = finiteArray(o.muStar, dim, source, 'muStar');
  if (muStar.every((x) => x === 0))
    throw new TheoryConfigError(
      source,
      'muStar',
      'must not be the zero vector (the classes would coincide)',
    );
  let sigmaStar: TheoryConfig['sigmaStar'];
  const sg = o.sigmaStar;
  if (Array.isArray(sg)) {
    if (sg.length !== dim)
      throw new TheoryConfigError(
        source,
        'sigmaStar',
        `must have ${dim} rows (dim), got ${sg.length}`,
      );
    const rows = sg.map((r, i) => finiteArray(r, dim, source, `sigmaStar[${i}]`));
    const m = fromRows(rows);
    const asym = asymmetry(m);
    if (asym > 1e-9)
      throw new TheoryConfigError(
        source,
        'sigmaStar',
        `must be symmetric (largest |Σij − Σji| is ${asym.toExponential(2)} of the largest entry)`,
      );
    if (!isSpd(m))
      throw new TheoryConfigError(
        source,
        'sigmaStar',
        'must be positive definite (a covariance with a zero or negative variance direction)',
      );
    sigmaStar = rows;
  } else if (typeof sg === 'object' && sg !== null) {
    const e = sg as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (k !== 'eigenvalues' && k !== 'seed')
        throw new TheoryConfigError(
          source,
          `sigmaStar.${k}`,
          'unknown field (expected eigenvalues, seed)',
        );
    const eigenvalues = finiteArray(e.eigenvalues, dim, source, 'sigmaStar.eigenvalues');
    eigenvalues.forEach((x, i) => {
      if (!(x > 0))
        throw new TheoryConfigError(
          source,
          `sigmaStar.eigenvalues[${i}]`,
          `must be > 0 (Σ* positive definite), got ${x}`,
        );
    });
    if (typeof e.seed !== 'number' || !Number.isFinite(e.seed))
      throw new TheoryConfigError(
        source,
        'sigmaStar.seed',
        `must be a finite number, got ${JSON.stringify(e.seed)}`,
      );
    sigmaStar = { eigenvalues, seed: e.seed };
  } else {
    throw new TheoryConfigError(
      source,
      'sigmaStar',
      'must be a dim×dim array of rows or {"eigenvalues": [...], "seed": n}',
    );
  }
  const eps = finiteArray(o.eps, undefined, source, 'eps');
  if (eps.length === 0) throw new TheoryConfigError(source, 'eps', 'must list at least one budget');
  eps.forEach((x, i) => {
    if (x < 0) throw new TheoryConfigError(source, `eps[${i}]`, `must be ≥ 0, got ${x}`);
  });
  const samples = o.samples;
  if (
    samples !== undefined &&
    (typeof samples !== 'number' || !Number.isInteger(samples) || samples <= dim || samples > 1e6)
  )
    throw new TheoryConfigError(
      source,
      'samples',
      `must be an integer from ${dim + 1} (dim + 1, for an invertible Σ̂) to 1000000, got ${JSON.stringify(samples)}`,
    );
  if (typeof o.seed !== 'number' || !Number.isFinite(o.seed))
    throw new TheoryConfigError(
      source,
      'seed',
      `must be a finite number, got ${JSON.stringify(o.seed)}`,
    );
  return {
    dim,
    muStar,
    sigmaStar,
    eps,
    ...(samples !== undefined ? { samples } : {}),
    seed: o.seed,
  };
}
