import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { diag, matVec, dot, quadForm, addIdentity, scale } from '../../../src/engine/theory/linalg';
import { eigSym, invSpd, sqrtm } from '../../../src/engine/theory/eigen';
import { makeRng } from '../../../src/engine/formats/rng';
import { robustCovarianceForEps } from '../../../src/engine/theory/robust';
import {
  adversarialLossGap,
  gradientAngleDeg,
  mahalanobisNorm,
  misalignmentReport,
} from '../../../src/engine/theory/misalignment';
import { spdFromEigenvalues } from '../../../src/engine/theory/gaussian';
import { defaultTheoryConfig, resolveSigmaStar } from '../../../src/engine/theory/config';
import { sigma10, mu10 } from './helpers';

test('Thm 1: tr[(I + (CΣ* − I)⁻¹)²] − d equals Σᵢ (Cσᵢ/(Cσᵢ − 1))² − d and a Monte Carlo estimate', () => {
  const s = spdFromEigenvalues([1, 0.25], 7);
  const C = 8; // > 1/σ_min = 4
  const gap = adversarialLossGap(s, C);
  const byEig =
    Array.from(eigSym(s).values).reduce((t, v) => t + ((C * v) / (C * v - 1)) ** 2, 0) - 2;
  assert.ok(Math.abs(gap - byEig) < 1e-12);
  // Monte Carlo: v ~ N(0, Σ*), the adversary's best response to max_δ vᵀMv − C‖δ‖² (M = Σ*⁻¹) is
  // δ = (CI − M)⁻¹Mv; check it beats random nearby δ and average the loss increase.
  const M = invSpd(s);
  const A = invSpd(addIdentity(scale(M, -1), C)); // (CI − M)⁻¹
  const root = sqrtm(s);
  const rng = makeRng(1);
  let total = 0;
  const n = 40000;
  for (let i = 0; i < n; i++) {
    const v = matVec(root, [rng.normal(), rng.normal()]);
    const delta = matVec(A, matVec(M, v));
    const obj = (d: ArrayLike<number>): number => {
      const x = [v[0]! + d[0]!, v[1]! + d[1]!];
      return quadForm(M, x) - C * dot(d, d);
    };
    if (i < 50)
      assert.ok(
        obj(delta) >= obj([delta[0]! + 0.01 * rng.normal(), delta[1]! + 0.01 * rng.normal()]),
      );
    total += quadForm(M, [v[0]! + delta[0]!, v[1]! + delta[1]!]) - quadForm(M, v);
  }
  assert.ok(Math.abs(total / n - gap) < 0.05 * gap, `MC ${total / n} vs ${gap}`);
  assert.throws(() => adversarialLossGap(s, 3), /C > 1\/σ_min/);
});

test('Thm 1: for a fixed trace the isotropic Σ* has the smallest adversarial loss gap (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.05, max: 5, noNaN: true }), { minLength: 2, maxLength: 6 }),
      fc.double({ min: 1.01, max: 20, noNaN: true }),
      (eigs, k) => {
        const s = spdFromEigenvalues(eigs, 1);
        const C = k / Math.min(...eigs);
        const iso = diag(
          new Array<number>(eigs.length).fill(eigs.reduce((a, b) => a + b) / eigs.length),
        );
        assert.ok(adversarialLossGap(iso, C) <= adversarialLossGap(s, C) + 1e-9);
      },
    ),
    { numRuns: 60 },
  );
});

test('misalignment: low-variance directions are long in the data metric and flip with a small ℓ2 move', () => {
  const cfg = defaultTheoryConfig();
  const s = resolveSigmaStar(cfg);
  const mu = Float64Array.from(cfg.muStar);
  const std = misalignmentReport(s, s, mu, mu);
  const [nonRobust, robustDir] = std.eigenDirections;
  assert.ok(Math.abs(nonRobust!.misalignment - 1 / Math.sqrt(0.02)) < 1e-9);
  assert.ok(Math.abs(robustDir!.misalignment - 1) < 1e-9);
  assert.ok(
    Math.abs(
      mahalanobisNorm(Float64Array.from(nonRobust!.direction), s) - nonRobust!.misalignment,
    ) < 1e-12,
  );
  assert.ok(
    nonRobust!.flipEpsL2 < robustDir!.flipEpsL2 / 5,
    'the non-robust feature is the cheap one to flip',
  );
  assert.ok(std.minFlipEpsL2 < std.minFlipEpsMahalanobis, 'ℓ2-small but large in the data metric');
  // The robust model needs a larger ℓ2 perturbation to flip.
  const rob = robustCovarianceForEps(s, 1).sigma;
  assert.ok(misalignmentReport(s, rob, mu, mu).minFlipEpsL2 > 3 * std.minFlipEpsL2);
});

test('Thm 3: the robust input gradient Σ_r⁻¹μ* is better aligned with μ* than Σ*⁻¹μ*, more so as ε grows', () => {
  for (const [s, mu] of [
    [sigma10(), mu10()],
    [resolveSigmaStar(defaultTheoryConfig()), Float64Array.from(defaultTheoryConfig().muStar)],
  ] as const) {
    const standard = gradientAngleDeg(s, mu);
    let prev = standard;
    for (const eps of [0.05, 0.5, 2, 20]) {
      const a = gradientAngleDeg(robustCovarianceForEps(s, eps).sigma, mu);
      assert.ok(a < prev, `ε=${eps}: ${a}° not below ${prev}°`);
      prev = a;
    }
    assert.ok(standard > 30 && prev < 5, `standard ${standard}°, robust at ε=20 ${prev}°`);
  }
});
