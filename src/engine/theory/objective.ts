/**
 * The objective of the robust Gaussian MLE (Ilyas et al. 2019, Section 4 / Thm 2) for the
 * numerical solver, with its inner maximisation done by a 1-D search:
 *   F(μ, Σ) = max_{δ(·): E‖δ‖₂² ≤ ε²} E[ℓ(x + δ; y·μ, Σ)],  ℓ = ½(x−m)ᵀΣ⁻¹(x−m) + ½ log det Σ.
 * The data enter only through S(μ) = E[(x − yμ)(x − yμ)ᵀ] = S₀ + (m̂ − μ)(m̂ − μ)ᵀ (m̂ the true
 * or sample mean of y·x, S₀ the scatter around it: Σ* for the population).
 *
 * Inner max: for a fixed Σ the adversary's problem has no duality gap (its best response for
 * multiplier λ, δ = (λI − Σ⁻¹)⁻¹Σ⁻¹v, meets the budget with equality at the optimal λ), so
 *   max_δ E[½(v+δ)ᵀΣ⁻¹(v+δ)] = min_{λ > 1/s_min(Σ)} h(λ),  h(λ) = ½ tr((Σ − I/λ)⁻¹S) + λε²/2,
 * convex in λ; we bisect h′(λ) = 0. Gradient (Danskin's theorem, at the optimal λ):
 *   ∇_Σ F = ½Σ⁻¹ − ½B⁻¹SB⁻¹,  ∇_μ F = −B⁻¹(m̂ − μ),  B = Σ − I/λ.
 * Nothing here uses the closed form of Theorem 2.
 */
import { type Mat, type Vec, zeros, matmul, transpose } from './linalg';
import { eigSym } from './eigen';

export interface Evaluation {
  value: number;
  lambda: number;
  msp: number;
  /** Gradient in θ = (Σ_ij for i ≤ j, then μ). */
  grad: Float64Array;
  gradNorm: number;
  innerSteps: number;
}

/** θ ↔ (μ, Σ): the upper triangle of Σ row by row, then μ. */
export function pack(mu: Vec, sigma: Mat): Float64Array {
  const d = mu.length;
  const t: number[] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) t.push(sigma.data[i * d + j]!);
  return Float64Array.from([...t, ...mu]);
}

export function unpack(theta: Float64Array, d: number): { mu: Vec; sigma: Mat } {
  const sigma = zeros(d);
  let k = 0;
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++, k++) sigma.data[i * d + j] = sigma.data[j * d + i] = theta[k]!;
  return { mu: theta.slice(k), sigma };
}

/** F, its θ-gradient and the inner multiplier; undefined outside the SPD cone. */
export function evaluate(
  theta: Float64Array,
  center: Vec,
  scatter: Mat,
  eps: number,
): Evaluation | undefined {
  const d = center.length;
  const { mu, sigma } = unpack(theta, d);
  const { values: s, vectors: Q } = eigSym(sigma);
  if (!(s[0]! > 0)) return undefined;
  const r = center.map((c, i) => c - mu[i]!);
  const S = zeros(d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) S.data[i * d + j] = scatter.data[i * d + j]! + r[i]! * r[j]!;
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
    let lo = -1,
      hi = 1;
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
      rg2 += g * s[i]! * s[j]! * g;
    }
  const G = matmul(matmul(Q, Ge), transpose(Q));
  const rq = Array.from({ length: d }, (_, j) =>
    r.reduce((t, ri, i) => t + Q.data[i * d + j]! * ri, 0),
  );
  const gmuE = rq.map((x, j) => -binv[j]! * x); // ∇_μF = −B⁻¹r in the eigenbasis
  const gmu = Array.from({ length: d }, (_, i) =>
    gmuE.reduce((t, x, j) => t + Q.data[i * d + j]! * x, 0),
  );
  const muGradSq = rq.reduce((t, x, j) => t + binv[j]! * x * x, 0);
  const gs: number[] = [];
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) gs.push((i === j ? 1 : 2) * G.data[i * d + j]!);
  return {
    value,
    lambda,
    msp,
    grad: Float64Array.from([...gs, ...gmu]),
    gradNorm: Math.sqrt(rg2 + muGradSq),
    innerSteps,
  };
}
