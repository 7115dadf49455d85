import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  matmul,
  transpose,
  identity,
  relFrobenius,
  frobenius,
  sub,
  fromRows,
  matVec,
  asymmetry,
} from '../../../src/engine/theory/linalg';
import {
  eigSym,
  compose,
  sqrtm,
  invSpd,
  logDetSpd,
  isSpd,
  solveSpd,
} from '../../../src/engine/theory/eigen';
import { arbSpd, arbSymmetric } from './helpers';

test('Jacobi eigendecomposition reconstructs A = QΛQᵀ with orthonormal Q and ascending Λ', () => {
  fc.assert(
    fc.property(arbSymmetric(8), (a) => {
      const { values, vectors } = eigSym(a);
      const scale = Math.max(1, frobenius(a));
      assert.ok(frobenius(sub(compose(vectors, values), a)) <= 1e-12 * scale);
      assert.ok(frobenius(sub(matmul(transpose(vectors), vectors), identity(a.n))) <= 1e-12);
      for (let i = 1; i < values.length; i++) assert.ok(values[i - 1]! <= values[i]!);
    }),
    { numRuns: 60 },
  );
});

test('eigSym on a known matrix: [[2,1],[1,2]] has eigenvalues 1 and 3', () => {
  const { values, vectors } = eigSym(
    fromRows([
      [2, 1],
      [1, 2],
    ]),
  );
  assert.ok(Math.abs(values[0]! - 1) < 1e-15 && Math.abs(values[1]! - 3) < 1e-15);
  const v = [vectors.data[1]!, vectors.data[3]!]; // eigenvector of 3 ∝ (1, 1)
  assert.ok(Math.abs(Math.abs(v[0]!) - Math.SQRT1_2) < 1e-15 && Math.abs(v[0]! - v[1]!) < 1e-15);
});

test('matrix square root: sqrtm(A)² = A, symmetric and positive definite', () => {
  fc.assert(
    fc.property(arbSpd(8), (a) => {
      const r = sqrtm(a);
      assert.ok(relFrobenius(matmul(r, r), a) <= 1e-12);
      assert.ok(asymmetry(r) === 0 && isSpd(r));
    }),
    { numRuns: 60 },
  );
});

test('inverse, log-determinant and Cholesky solve agree with each other', () => {
  fc.assert(
    fc.property(arbSpd(6), (a) => {
      assert.ok(relFrobenius(matmul(a, invSpd(a)), identity(a.n)) <= 1e-10);
      const b = Float64Array.from({ length: a.n }, (_, i) => i + 1);
      const x = solveSpd(a, b)!;
      const r = matVec(a, x).map((v, i) => v - b[i]!);
      assert.ok(Math.hypot(...r) <= 1e-9 * Math.hypot(...b));
      const { values } = eigSym(a);
      const ld = values.reduce((s, v) => s + Math.log(v), 0);
      assert.ok(Math.abs(logDetSpd(a) - ld) <= 1e-12 * Math.max(1, Math.abs(ld)));
    }),
    { numRuns: 40 },
  );
});

test('non-definite matrices are refused', () => {
  const indefinite = fromRows([
    [1, 2],
    [2, 1],
  ]);
  assert.equal(isSpd(indefinite), false);
  assert.equal(solveSpd(indefinite, [1, 1]), undefined);
  assert.throws(() => invSpd(indefinite), /not positive definite/);
  assert.throws(() => sqrtm(indefinite), /not positive semidefinite/);
  assert.equal(
    isSpd(
      fromRows([
        [1, 0],
        [0, 0],
      ]),
    ),
    false,
  );
});
