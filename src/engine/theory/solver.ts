/**
 * A numerical solver for the robust Gaussian MLE of Ilyas et al. (2019), Section 4 / Thm 2,
 *   min_{μ,Σ}  max_{δ(·): E‖δ‖₂² ≤ ε²}  E[ ℓ(x + δ; y·μ, Σ) ],
 * that never evaluates the closed form, so that agreement with it is evidence for it.
 * objective.ts computes F (inner max by a 1-D search over the adversary's multiplier λ) and
 * its Danskin gradient. Here we minimise F over the free entries of (Σ, μ) by damped Newton
 * (Levenberg–Marquardt): the Hessian is the central finite difference of that analytic
 * gradient, steps are backtracked until Σ stays SPD and F decreases (Armijo). Plain
 * (Riemannian) gradient descent also converges but needs thousands of steps at large ε,
 * where the curvature along Σ's eigen-directions spreads like √(1/(λσᵢ)).
 * Stopping rule: the scale-free gradient √(‖Σ^{½}∇_ΣFΣ^{½}‖²_F + ∇_μFᵀB∇_μF) < tol.
 */
import { type Mat, type Vec, zeros, identity, trace } from './linalg';
import { compose, solveSpd } from './eigen';
import { type Evaluation, evaluate, pack, unpack } from './objective';

export interface SolverOptions {
  /** Stop when the scale-free gradient norm falls below this. Default 1e-10. */
  tol?: number;
  maxIter?: number;
  /** Starting point; default μ = 0, Σ = (tr S₀/d)·I (deliberately far from the answer). */
  init?: { mu: Vec; sigma: Mat };
}

export interface SolverResult {
  mu: Vec;
  sigma: Mat;
  /** The adversary's multiplier at the solution (∞ when ε = 0). */
  lambda: number;
  /** F(μ, Σ): adversarial NLL without the ½d·log 2π constant. */
  objective: number;
  /** E‖δ‖² of the adversary's best response at the solution (equals ε² at the optimum). */
  meanSquaredPerturbation: number;
  /** Newton iterations, and gradient evaluations in all (Hessians included). */
  iterations: number;
  gradientEvaluations: number;
  /** Bisection steps of the inner 1-D search, summed. */
  innerIterations: number;
  gradientNorm: number;
  converged: boolean;
  tol: number;
  method: string;
}

export function solveRobustNumerically(
  center: Vec,
  scatter: Mat,
  eps: number,
  opts: SolverOptions = {},
): SolverResult {
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 200;
  const d = center.length;
  const start = opts.init ?? {
    mu: new Float64Array(d),
    sigma: compose(identity(d), new Array<number>(d).fill(trace(scatter) / d)),
  };
  let theta = pack(start.mu, start.sigma);
  const p = theta.length;
  let gradEvals = 0;
  let innerIterations = 0;
  const evalAt = (t: Float64Array): Evaluation | undefined => {
    const e = evaluate(t, center, scatter, eps);
    gradEvals++;
    innerIterations += e?.innerSteps ?? 0;
    return e;
  };
  let ev = evalAt(theta);
  if (!ev) throw new RangeError('robust solver: the starting Σ is not positive definite');
  let iterations = 0;
  for (; iterations < maxIter && ev.gradNorm >= tol; iterations++) {
    // Hessian: central differences of the analytic gradient, steps relative to Σ's scale.
    const unit = trace(unpack(theta, d).sigma) / d;
    const H = zeros(p);
    for (let k = 0; k < p; k++) {
      const h = 1e-5 * (k < p - d ? unit : Math.sqrt(unit));
      const plus = theta.slice(),
        minus = theta.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const ep = evalAt(plus),
        em = evalAt(minus);
      if (!ep || !em) throw new Error('robust solver: finite-difference step left the SPD cone');
      for (let i = 0; i < p; i++) H.data[i * p + k] = (ep.grad[i]! - em.grad[i]!) / (2 * h);
    }
    const Hs = zeros(p);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++)
        Hs.data[i * p + j] = 0.5 * (H.data[i * p + j]! + H.data[j * p + i]!);
    let accepted = false;
    const hscale = trace(Hs) / p;
    for (
      let tau = 0;
      !accepted && tau <= 1e8 * Math.abs(hscale);
      tau = tau === 0 ? 1e-8 * Math.abs(hscale) : tau * 10
    ) {
      const step = solveSpd(
        tau === 0
          ? Hs
          : Object.assign(zeros(p), {
              data: Hs.data.map((v, i) => (i % (p + 1) === 0 ? v + tau : v)),
            }),
        ev.grad.map((g) => -g),
      );
      if (!step) continue;
      const slope = step.reduce((t, x, i) => t + x * ev!.grad[i]!, 0);
      for (let alpha = 1; alpha > 1e-10; alpha /= 2) {
        const cand = theta.map((t, i) => t + alpha * step[i]!);
        const next = evalAt(cand);
        if (!next) continue;
        // Armijo; once F's change is below float64 resolution, a smaller gradient decides.
        const flat = Math.abs(next.value - ev.value) <= 1e-12 * Math.max(1, Math.abs(ev.value));
        if (
          next.value <= ev.value + 1e-4 * alpha * slope ||
          (flat && next.gradNorm < ev.gradNorm)
        ) {
          theta = cand;
          ev = next;
          accepted = true;
          break;
        }
      }
    }
    if (!accepted) break; // no further progress possible at float64 precision
  }
  const { mu, sigma } = unpack(theta, d);
  return {
    mu,
    sigma,
    lambda: ev.lambda,
    objective: ev.value,
    meanSquaredPerturbation: ev.msp,
    iterations,
    gradientEvaluations: gradEvals,
    innerIterations,
    gradientNorm: ev.gradNorm,
    converged: ev.gradNorm < tol,
    tol,
    method:
      'damped Newton (Levenberg–Marquardt, finite-difference Hessian of the analytic Danskin gradient, Armijo backtracking) on (μ, Σ); inner max over E‖δ‖² ≤ ε² by bisection on the dual multiplier λ',
  };
}
