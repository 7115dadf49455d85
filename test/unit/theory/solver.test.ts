import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { relFrobenius, diag, norm2, trace } from '../../../src/engine/theory/linalg';
import { robustCovarianceForEps } from '../../../src/engine/theory/robust';
import { solveRobustNumerically } from '../../../src/engine/theory/solver';
import { evaluate, pack } from '../../../src/engine/theory/objective';
import {
  mleFromSamples,
  sampleModel,
  spdFromEigenvalues,
} from '../../../src/engine/theory/gaussian';
import { defaultTheoryConfig, resolveSigmaStar } from '../../../src/engine/theory/config';
import { sigma10, mu10 } from './helpers';

function check(
  name: string,
  mu: Float64Array,
  s: ReturnType<typeof sigma10>,
  epsList: number[],
): void {
  for (const eps of epsList) {
    const closed = robustCovarianceForEps(s, eps);
    const num = solveRobustNumerically(mu, s, eps);
    const err = relFrobenius(num.sigma, closed.sigma);
    assert.ok(
      num.converged,
      `${name} ε=${eps}: solver did not converge (‖∇‖ = ${num.gradientNorm})`,
    );
    assert.ok(err <= 1e-3, `${name} ε=${eps}: closed form vs numerical rel. error ${err}`);
    assert.ok(err <= 1e-8, `${name} ε=${eps}: expected agreement to solver precision, got ${err}`);
    assert.ok(norm2(num.mu.map((m, i) => m - mu[i]!)) <= 1e-8 * norm2(mu), 'μ_r = μ*');
    if (eps > 0) {
      assert.ok(Math.abs(num.lambda / closed.lambda.lambda - 1) < 1e-6, `${name} ε=${eps}: λ`);
      assert.ok(
        Math.abs(Math.sqrt(num.meanSquaredPerturbation) / eps - 1) < 1e-8,
        'budget is tight',
      );
    }
  }
}

test('2-D: the numerical min–max solution equals Theorem 2 (≤ 1e-3 rel., in fact ~1e-10)', () => {
  const cfg = defaultTheoryConfig();
  check('2-D', Float64Array.from(cfg.muStar), resolveSigmaStar(cfg), [0, 0.1, 1, 10]);
});

test('10-D: the numerical min–max solution equals Theorem 2 (≤ 1e-3 rel.)', () => {
  check('10-D', mu10(), sigma10(), [0.3, 3]);
});

test('sample version: solver on (μ̂, Σ̂) equals the closed form with Σ̂ in place of Σ*', () => {
  const s = spdFromEigenvalues([2, 0.5, 0.05], 11);
  const mu = Float64Array.of(1, -0.5, 0.2);
  const mle = mleFromSamples(sampleModel(mu, s, 400, 5));
  const num = solveRobustNumerically(mle.mu, mle.sigma, 0.7);
  assert.ok(relFrobenius(num.sigma, robustCovarianceForEps(mle.sigma, 0.7).sigma) < 1e-8);
});

test('inner max by duality equals the Cauchy–Schwarz bound max E‖v+δ‖² = (√tr S + ε)² at Σ = sI', () => {
  // For Σ = s·I the adversary maximises E‖v + δ‖²/(2s) subject to E‖δ‖² ≤ ε²: the optimum is
  // δ = (ε/√tr S)·v with value (√tr S + ε)²/(2s), independent of the λ-search used in evaluate.
  const S = spdFromEigenvalues([3, 1, 0.2, 0.05], 2);
  for (const [sv, eps] of [
    [1, 0.5],
    [4, 2],
    [0.3, 0.01],
  ] as const) {
    const sigma = diag([sv, sv, sv, sv]);
    const ev = evaluate(pack(new Float64Array(4), sigma), new Float64Array(4), S, eps)!;
    const inner = ev.value - 2 * Math.log(sv); // minus ½ log det Σ
    const expected = (Math.sqrt(trace(S)) + eps) ** 2 / (2 * sv);
    assert.ok(Math.abs(inner / expected - 1) < 1e-12, `${inner} vs ${expected}`);
  }
});

test('the Danskin gradient of the objective matches central finite differences', () => {
  const S = spdFromEigenvalues([2, 0.4, 0.1], 9);
  const center = Float64Array.of(0.5, 1, -1);
  const theta = pack(Float64Array.of(0.2, 0.7, -0.4), spdFromEigenvalues([3, 1, 0.5], 4));
  const ev = evaluate(theta, center, S, 0.8)!;
  theta.forEach((_, k) => {
    const h = 1e-6;
    const p = theta.slice(),
      m = theta.slice();
    p[k]! += h;
    m[k]! -= h;
    const fd = (evaluate(p, center, S, 0.8)!.value - evaluate(m, center, S, 0.8)!.value) / (2 * h);
    assert.ok(
      Math.abs(fd - ev.grad[k]!) < 1e-6 * Math.max(1, Math.abs(fd)),
      `θ[${k}]: ${fd} vs ${ev.grad[k]}`,
    );
  });
});
