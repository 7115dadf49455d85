/**
 * One robust fit at one budget ε, as recorded in theory.json: Theorem 2's closed form with λ(ε)
 * (robust.ts), the numerical min–max solver's answer and their relative error, and the
 * Theorem 1 / Theorem 3 quantities of the fitted model.
 */
import {
  type Mat,
  type Vec,
  toRows,
  relFrobenius,
  frobenius,
  identity,
  sub,
  norm2,
} from './linalg';
import { eigSym } from './eigen';
import { robustCovarianceForEps, paperLambdaOrders } from './robust';
import { solveRobustNumerically, type SolverResult } from './solver';
import { gradientAngleDeg, misalignmentReport } from './misalignment';
import { normalizeTrace } from './ellipse';

/** Beyond this dimension the solver's O(d⁵) finite-difference Newton is skipped (closed form only). */
export const NUMERICAL_MAX_DIM = 20;

export interface FitOptions {
  solverTol?: number;
}

function solverSummary(r: SolverResult, target: Mat, muTarget: Vec) {
  return {
    sigma: toRows(r.sigma),
    mu: Array.from(r.mu),
    relErrorFrobenius: relFrobenius(r.sigma, target),
    muError: norm2(r.mu.map((m, i) => m - muTarget[i]!)) / norm2(muTarget),
    lambda: r.lambda,
    rmsPerturbation: Math.sqrt(r.meanSquaredPerturbation),
    objective: r.objective,
    iterations: r.iterations,
    gradientEvaluations: r.gradientEvaluations,
    innerIterations: r.innerIterations,
    gradientNorm: r.gradientNorm,
    tol: r.tol,
    converged: r.converged,
    method: r.method,
  };
}

/** Everything reported about one robust fit (population or sample) at one ε. */
export function robustFit(
  center: Vec,
  scatter: Mat,
  muStar: Vec,
  sigmaStar: Mat,
  eps: number,
  opts: FitOptions,
) {
  const { sigma, lambda } = robustCovarianceForEps(scatter, eps);
  const epsPaper = eps * eps;
  const orders = eps > 0 ? paperLambdaOrders(epsPaper) : undefined;
  const normalized = normalizeTrace(sigma);
  const numerical =
    center.length <= NUMERICAL_MAX_DIM
      ? solverSummary(
          solveRobustNumerically(center, scatter, eps, { tol: opts.solverTol }),
          sigma,
          center,
        )
      : {
          skipped: `dim ${center.length} > ${NUMERICAL_MAX_DIM}: the finite-difference Newton solver costs O(d⁵)`,
        };
  return {
    eps,
    lambda: lambda.lambda,
    lambdaSolve: {
      method: lambda.method,
      iterations: lambda.iterations,
      relResidual: lambda.relResidual,
    },
    paperLambdaOrders: orders && {
      epsPaper,
      lower: orders.lower,
      upper: orders.upper,
      lambdaOverLower: lambda.lambda / orders.lower,
      lambdaOverUpper: lambda.lambda / orders.upper,
    },
    mu: Array.from(center),
    sigmaClosedForm: toRows(sigma),
    sigmaEigenvalues: Array.from(eigSym(sigma).values),
    numerical,
    normalizedSigma: toRows(normalized),
    distanceToIdentity: frobenius(sub(normalized, identity(sigma.n))),
    gradientAngleDeg: gradientAngleDeg(sigma, center, muStar),
    misalignment: misalignmentReport(sigmaStar, sigma, center, muStar),
  };
}

export type RobustFit = ReturnType<typeof robustFit>;
