/** Shared generators for the theory tests: random SPD matrices with controlled spectra. */
import fc from 'fast-check';
import { type Mat, fromRows } from '../../../src/engine/theory/linalg';
import { spdFromEigenvalues } from '../../../src/engine/theory/gaussian';

/** SPD matrices of dimension 1..maxDim with eigenvalues in [1e-2, 1e2] and a random basis. */
export function arbSpd(maxDim = 6): fc.Arbitrary<Mat> {
  return fc
    .integer({ min: 1, max: maxDim })
    .chain((d) =>
      fc.tuple(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
        fc.integer({ min: 0, max: 1e6 }),
      ),
    )
    .map(([logs, seed]) =>
      spdFromEigenvalues(
        logs.map((l) => 10 ** l),
        seed,
      ),
    );
}

/** Symmetric (not necessarily definite) matrices with entries in [−10, 10]. */
export function arbSymmetric(maxDim = 8): fc.Arbitrary<Mat> {
  return fc
    .integer({ min: 1, max: maxDim })
    .chain((d) =>
      fc.array(fc.double({ min: -10, max: 10, noNaN: true }), {
        minLength: d * d,
        maxLength: d * d,
      }),
    )
    .map((a) => {
      const d = Math.round(Math.sqrt(a.length));
      return fromRows(
        Array.from({ length: d }, (_, i) =>
          Array.from({ length: d }, (_, j) => a[Math.min(i, j) * d + Math.max(i, j)]!),
        ),
      );
    });
}

/** The 10-D model used across tests: spectrum from 4 down to 0.01 (anisotropic), μ*ᵢ = 1/i. */
export const SPECTRUM_10 = [4, 2, 1, 0.5, 0.3, 0.1, 0.05, 0.03, 0.02, 0.01];
export const sigma10 = (): Mat => spdFromEigenvalues(SPECTRUM_10, 3);
export const mu10 = (): Float64Array => Float64Array.from({ length: 10 }, (_, i) => 1 / (i + 1));
