import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  relFrobenius,
  asymmetry,
  identity,
  frobenius,
  sub,
  diag,
} from '../../../src/engine/theory/linalg';
import { isSpd, eigSym } from '../../../src/engine/theory/eigen';
import {
  robustCovariance,
  robustCovarianceSpectral,
  robustCovarianceForEps,
  lambdaForEps,
  meanSquaredPerturbation,
  paperLambdaOrders,
} from '../../../src/engine/theory/robust';
import { normalizeTrace } from '../../../src/engine/theory/ellipse';
import { defaultTheoryConfig, resolveSigmaStar } from '../../../src/engine/theory/config';
import { arbSpd, sigma10 } from './helpers';

test('Thm 2 literally (matrix sqrt) equals its eigenvalue form s = σ/2 + 1/λ + √(σ/λ + σ²/4)', () => {
  fc.assert(
    fc.property(arbSpd(6), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (s, lambda) => {
      assert.ok(
        relFrobenius(robustCovariance(s, lambda), robustCovarianceSpectral(s, lambda)) < 1e-11,
      );
    }),
    { numRuns: 40 },
  );
});

test('Σ_r is symmetric positive definite and ⪰ Σ* for random SPD Σ* and ε (property)', () => {
  fc.assert(
    fc.property(arbSpd(6), fc.double({ min: 0, max: 100, noNaN: true }), (s, eps) => {
      const { sigma, lambda } = robustCovarianceForEps(s, eps);
      assert.ok(asymmetry(sigma) < 1e-12, 'symmetric');
      assert.ok(isSpd(sigma), 'positive definite');
      assert.ok(eigSym(sub(sigma, s)).values[0]! > -1e-10 * frobenius(s), 'Σ_r − Σ* ⪰ 0');
      assert.ok(lambda.lambda > 0);
    }),
    { numRuns: 60 },
  );
});

test('λ(ε) solves E‖δ‖² = ε², falls with ε, and matches the isotropic closed form λ = t²/((t+1)σ)', () => {
  const s = sigma10();
  const eig = eigSym(s).values;
  let prev = Infinity;
  for (const eps of [1e-4, 0.01, 0.1, 1, 10, 1e3]) {
    const { lambda, relResidual } = lambdaForEps(s, eps);
    assert.ok(relResidual < 1e-12, `residual at ε=${eps}`);
    assert.ok(Math.abs(Math.sqrt(meanSquaredPerturbation(eig, lambda)) / eps - 1) < 1e-12);
    assert.ok(lambda < prev);
    prev = lambda;
  }
  assert.equal(lambdaForEps(s, 0).lambda, Infinity);
  for (const [d, sigma, eps] of [
    [1, 1, 0.3],
    [3, 0.5, 2],
    [5, 2, 0.01],
  ] as const) {
    const t = Math.sqrt(d * sigma) / eps;
    const expected = (t * t) / ((t + 1) * sigma);
    const got = lambdaForEps(diag(new Array<number>(d).fill(sigma)), eps).lambda;
    assert.ok(Math.abs(got / expected - 1) < 1e-12, `d=${d}: ${got} vs ${expected}`);
  }
  assert.throws(() => lambdaForEps(s, -1), /ε must be/);
});

test('Σ_r → Σ* as ε → 0', () => {
  const s = sigma10();
  const errs = [1e-2, 1e-4, 1e-6, 1e-8].map((eps) =>
    relFrobenius(robustCovarianceForEps(s, eps).sigma, s),
  );
  for (let i = 1; i < errs.length; i++) assert.ok(errs[i]! < errs[i - 1]!, errs.join(', '));
  assert.ok(errs[errs.length - 1]! < 1e-3, `rel. error at ε=1e-8: ${errs[errs.length - 1]}`);
  assert.equal(robustCovarianceForEps(s, 0).sigma, s);
});

test('normalised Σ_r·d/tr(Σ_r) → I as ε grows (monotonically)', () => {
  for (const s of [sigma10(), resolveSigmaStar(defaultTheoryConfig())]) {
    const dist = [0, 0.1, 1, 10, 100, 1e4].map((eps) =>
      frobenius(sub(normalizeTrace(robustCovarianceForEps(s, eps).sigma), identity(s.n))),
    );
    for (let i = 1; i < dist.length; i++) assert.ok(dist[i]! < dist[i - 1]!, dist.join(', '));
    assert.ok(dist[dist.length - 1]! < 0.05, `at ε=1e4: ${dist[dist.length - 1]}`);
  }
});

test("our exact λ(ε) stays within constant factors of the paper's orders (paper ε read as ε²)", () => {
  const one = diag([1]);
  for (const eps of [1e-3, 0.01, 0.1, 0.5, 1, 2, 10]) {
    const { lambda } = lambdaForEps(one, eps);
    const { lower, upper } = paperLambdaOrders(eps * eps);
    // 1-D, σ = 1: λ = 1/(ε(1+ε)), so λ/lower = (1+ε²)/(1+ε)² ∈ [½, 1] and λ/upper = 1/(1+ε)² ≤ 1.
    assert.ok(lambda / lower >= 0.5 - 1e-12 && lambda / lower <= 1 + 1e-12, `λ/lower at ${eps}`);
    assert.ok(lambda / upper <= 1 + 1e-12, `λ/upper at ${eps}`);
  }
});
