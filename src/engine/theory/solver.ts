/**
 * A numerical solver for the robust Gaussian MLE of Ilyas et al. (2019), Section 4 / Thm 2,
 *   min_{μ,Σ}  max_{δ(·): E‖δ‖₂² ≤ ε²}  E[ ℓ(x + δ; y·μ, Σ) ],
 *   ℓ(x; m, Σ) = ½(x − m)ᵀΣ⁻¹(x − m) + ½ log det Σ    (the NLL without ½d·log 2π),
 * that never evaluates the closed form, so that agreement with it is evidence for it.
 *
 * The data enter only through S(μ) = E[(x − yμ)(x − yμ)ᵀ] = S₀ + (m̂ − μ)(m̂ − μ)ᵀ, where m̂
 * is the true or sample mean of y·x and S₀ the scatter around it (Σ* for the population).
 *
 * Inner max (1-D search): for a fixed Σ the adversary's problem has no duality gap (its best
 * response for multiplier λ, δ = (λI − Σ⁻¹)⁻¹Σ⁻¹v, meets the budget with equality at the
 * optimal λ), so
 *   max_δ E[½(v+δ)ᵀΣ⁻¹(v+δ)] = min_{λ > 1/s_min(Σ)} h(λ),  h(λ) = ½ tr((Σ − I/λ)⁻¹S) + λε²/2,
 * a convex function of λ whose minimiser we find by bisection on h′(λ) = 0.
 * Outer min (gradient-based): by Danskin's theorem ∇_Σ F = ½Σ⁻¹ − ½B⁻¹SB⁻¹ with B = Σ − I/λ*,
 * and ∇_μ F = −B⁻¹(m̂ − μ). We minimise F over the free entries of (Σ, μ) by damped Newton
 * (Levenberg–Marquardt): the Hessian is the central finite difference of that analytic
 * gradient, steps are backtracked until Σ stays SPD and F decreases (Armijo). Plain
 * (Riemannian) gradient descent also converges but needs thousands of steps at large ε,
 * where the curvature along Σ's eigen-directions spreads like √(1/(λσᵢ)).
 * Stopping rule: the scale-free gradient √(‖Σ^{½}∇_ΣFΣ^{½}‖²_F + ∇_μFᵀB∇_μF) < tol.
 */
import { type Mat, type Vec, zeros, identity, matmul, transpose, trace, solveSpd } from './linalg';
import { eigSym, compose } from './eigen';

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

interface Evaluation {
  value: number;
  lambda: number;
  msp: number;
  /** Gradient in θ = (Σ_ij for i ≤ j, then μ). */
  grad: Float64Array;
  gradNorm: number;
  innerSteps: number;
}

/** θ ↔ (μ, Σ): the upper triangle of Σ row by row, then μ. */
function pack(mu: Vec, sigma: Mat): Float64Array {
  const d = mu.length;
  const t: number[] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) t.push(sigma.data[i * d + j]!);
  return Float64Array.from([...t, ...mu]);
}

function unpack(theta: Float64Array, d: number): { mu: Vec; sigma: Mat } {
  const sigma = zeros(d);
  let k = 0;
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++, k++) sigma.data[i * d + j] = sigma.data[j * d + i] = theta[k]!;
  return { mu: theta.slice(k), sigma };
}

/** F, its θ-gradient and the inner multiplier; undefined outside the SPD cone. */
function evaluate(theta: Float64Array, center: Vec, scatter: Mat, eps: number): Evaluation | undefined {
  const d = center.length;
  const { mu, sigma } = unpack(theta, d);
  const { values: s, vectors: Q } = eigSym(sigma);
  if (!(s[0]! > 0)) return undefined;
  const r = center.map((c, i) => c - mu[i]!);
  const S = zeros(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) S.data[i * d + j] = scatter.data[i * d + j]! + r[i]! * r[j]!;
  const C = matmul(matmul(transpose(Q), S), Q); // S(μ) in Σ's eigenbasis
  // Inner 1-D search: λ = (1 + u)/s_min, u > 0; bisection on log u for h′(λ) = 0.
  let lambda = Infinity;
  let innerSteps = 0;
  if (eps > 0) {
    const dh = (u: number): number => {
      const l = (1 + u) / s[0]!;
      let t = 0;
      for (let j = 0; j < d; j++) t += C.data[j * d + j]! / (j === 0 ? u : l * s[j]! - 1) ** 2;
      return eps * eps - t;
    };
    let lo = -1, hi = 1; // prettier-ignore
    while (dh(Math.exp(lo)) > 0) lo -= 4;
    while (dh(Math.exp(hi)) < 0) hi += 4;
    while (hi - lo > 1e-14 * Math.max(1, Math.abs(lo)) && innerSteps < 300) {
      const mid = 0.5 * (lo + hi);
      if (dh(Math.exp(mid)) < 0) lo = mid;
      else hi = mid;
      innerSteps++;
    }
    lambda = (1 + Math.exp(0.5 * (lo + hi))) / s[0]!;
  }
  const binv = Array.from(s, (sj) => (lambda === Infinity ? 1 / sj : lambda / (lambda * sj - 1))); // eig. of B⁻¹
  let value = lambda === Infinity ? 0 : (lambda * eps * eps) / 2;
  let msp = 0;
  for (let j = 0; j < d; j++) {
    value += 0.5 * C.data[j * d + j]! * binv[j]! + 0.5 * Math.log(s[j]!);
    if (lambda !== Infinity) msp += C.data[j * d + j]! / (lambda * s[j]! - 1) ** 2;
  }
  // ∇_ΣF = Q·(½diag(1/s) − ½·diag(binv)·C·diag(binv))·Qᵀ; its scale-free norm uses √s.
  const Ge = zeros(d);
  let rg2 = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const g = (i === j ? 0.5 / s[i]! : 0) - 0.5 * binv[i]! * C.data[i * d + j]! * binv[j]!;
      Ge.data[i * d + j] = g;
      rg2 += (g * s[i]! * s[j]!) * g;
    }
  const G = matmul(matmul(Q, Ge), transpose(Q));
  const rq = Array.from({ length: d }, (_, j) => r.reduce((t, ri, i) => t + Q.data[i * d + j]! * ri, 0));
  const gmuE = rq.map((x, j) => -binv[j]! * x); // ∇_μF = −B⁻¹r in the eigenbasis
  const gmu = Array.from({ length: d }, (_, i) => gmuE.reduce((t, x, j) => t + Q.data[i * d + j]! * x, 0));
  const muGradSq = rq.reduce((t, x, j) => t + binv[j]! * x * x, 0);
  const gs: number[] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) gs.push((i === j ? 1 : 2) * G.data[i * d + j]!);
  return { value, lambda, msp, grad: Float64Array.from([...gs, ...gmu]), gradNorm: Math.sqrt(rg2 + muGradSq), innerSteps };
}

export function solveRobustNumerically(center: Vec, scatter: Mat, eps: number, opts: SolverOptions = {}): SolverResult {
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 200;
  const d = center.length;
  const start = opts.init ?? { mu: new Float64Array(d), sigma: compose(identity(d), new Array<number>(d).fill(trace(scatter) / d)) };
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
      const plus = theta.slice(), minus = theta.slice(); // prettier-ignore
      plus[k]! += h;
      minus[k]! -= h;
      const ep = evalAt(plus), em = evalAt(minus); // prettier-ignore
      if (!ep || !em) throw new Error('robust solver: finite-difference step left the SPD cone');
      for (let i = 0; i < p; i++) H.data[i * p + k] = (ep.grad[i]! - em.grad[i]!) / (2 * h);
    }
    const Hs = zeros(p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) Hs.data[i * p + j] = 0.5 * (H.data[i * p + j]! + H.data[j * p + i]!);
    let accepted = false;
    const hscale = trace(Hs) / p;
    for (let tau = 0; !accepted && tau <= 1e8 * Math.abs(hscale); tau = tau === 0 ? 1e-8 * Math.abs(hscale) : tau * 10) {
      const step = solveSpd(tau === 0 ? Hs : Object.assign(zeros(p), { data: Hs.data.map((v, i) => (i % (p + 1) === 0 ? v + tau : v)) }), ev.grad.map((g) => -g));
      if (!step) continue;
      const slope = step.reduce((t, x, i) => t + x * ev!.grad[i]!, 0);
      for (let alpha = 1; alpha > 1e-10; alpha /= 2) {
        const cand = theta.map((t, i) => t + alpha * step[i]!);
        const next = evalAt(cand);
        if (!next) continue;
        // Armijo; once F's change is below float64 resolution, a smaller gradient decides.
        const flat = Math.abs(next.value - ev.value) <= 1e-12 * Math.max(1, Math.abs(ev.value));
        if (next.value <= ev.value + 1e-4 * alpha * slope || (flat && next.gradNorm < ev.gradNorm)) {
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
