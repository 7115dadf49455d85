/**
 * One theory run: the standard and robust Gaussian MLE of Ilyas et al. (2019, Section 4) for a
 * config's (μ*, Σ*) across budgets ε, with every number recorded together with how it was
 * computed. The closed form of Theorem 2 is checked against the numerical min–max solver per ε.
 */
import { type Mat, type Vec, toRows, relFrobenius, norm2, matVec, diag } from './linalg';
import { eigSym, invSpd } from './eigen';
import { mleFromSamples, sampleModel, type GaussianParams } from './gaussian';
import { adversarialLossGap, gradientAngleDeg, misalignmentReport } from './misalignment';
import { normalizeTrace, plotPlane, projectMatrix, projectVector, ellipsePoints } from './ellipse';
import { type TheoryConfig, resolveSigmaStar } from './config';
import { robustFit, type FitOptions, type RobustFit } from './fit';
import { CONVENTIONS } from './conventions';
import { cancellationPoint, throwIfAborted } from '../types';

export interface RunOptions extends FitOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, note: string) => void;
}

export async function runTheoryExperiment(
  cfg: TheoryConfig,
  source: string,
  opts: RunOptions = {},
) {
  const t0 = performance.now();
  const sigmaStar = resolveSigmaStar(cfg);
  const muStar = Float64Array.from(cfg.muStar);
  const d = cfg.dim;
  const starEig = eigSym(sigmaStar).values;
  const total = cfg.eps.length * (cfg.samples ? 2 : 1);
  let done = 0;
  const step = async (note: string): Promise<void> => {
    opts.onProgress?.(++done, total, note);
    await cancellationPoint(opts.signal, 'theory');
  };

  const population: GaussianParams = { mu: muStar, sigma: sigmaStar };
  const standard = {
    how: 'population MLE: argmin E[ℓ(x; yμ, Σ)] = (μ*, Σ*)',
    mu: Array.from(muStar),
    sigma: toRows(sigmaStar),
    sigmaEigenvalues: Array.from(starEig),
    gradientAngleDeg: gradientAngleDeg(population.sigma, muStar),
    misalignment: misalignmentReport(sigmaStar, sigmaStar, muStar, muStar),
  };
  const sminStar = starEig[0]!;
  const isotropic = diag(new Array<number>(d).fill(starEig.reduce((a, b) => a + b, 0) / d));
  const theorem1 = {
    how: 'tr[(I + (CΣ* − I)⁻¹)²] − d for the standard MLE against max_δ ℓ(x+δ) − C‖δ‖², C > 1/σ_min(Σ*); "isotropic" is Σ* replaced by (tr Σ*/d)·I',
    lossGap: [1.5, 2, 4, 10].map((k) => ({
      C: k / sminStar,
      gap: adversarialLossGap(sigmaStar, k / sminStar),
      gapIsotropicSameTrace: adversarialLossGap(isotropic, k / sminStar),
    })),
  };

  throwIfAborted(opts.signal, 'theory');
  const robust: RobustFit[] = [];
  for (const eps of cfg.eps) {
    robust.push(robustFit(muStar, sigmaStar, muStar, sigmaStar, eps, opts));
    await step(`ε = ${eps} (population)`);
  }

  let samples;
  if (cfg.samples) {
    const data = sampleModel(muStar, sigmaStar, cfg.samples, cfg.seed);
    const mle = mleFromSamples(data);
    samples = {
      n: cfg.samples,
      seed: cfg.seed,
      standard: {
        how: 'sample MLE: μ̂ = mean(yᵢxᵢ), Σ̂ = mean((xᵢ − yᵢμ̂)(xᵢ − yᵢμ̂)ᵀ)',
        mu: Array.from(mle.mu),
        sigma: toRows(mle.sigma),
        relErrorVsSigmaStar: relFrobenius(mle.sigma, sigmaStar),
        muErrorVsMuStar: norm2(mle.mu.map((m, i) => m - muStar[i]!)) / norm2(muStar),
        gradientAngleDeg: gradientAngleDeg(mle.sigma, mle.mu, muStar),
      },
      robust: [] as RobustFit[],
    };
    for (const eps of cfg.eps) {
      samples.robust.push(robustFit(mle.mu, mle.sigma, muStar, sigmaStar, eps, opts));
      await step(`ε = ${eps} (samples)`);
    }
  }

  const plane = d >= 2 ? plotPlane(sigmaStar) : undefined;
  const inv = (s: Mat): Vec => matVec(invSpd(s), muStar);
  const unit2 = (v: [number, number]): [number, number] => [
    v[0] / Math.hypot(...v),
    v[1] / Math.hypot(...v),
  ];
  const plot = plane && {
    plane: { description: plane.description, axes: plane.axes.map((a) => Array.from(a)) },
    muStar: projectVector(muStar, plane),
    ellipses: robust.map((r) => {
      const s = { n: d, data: Float64Array.from(r.sigmaClosedForm.flat()) };
      return {
        eps: r.eps,
        points: ellipsePoints(projectMatrix(normalizeTrace(s), plane)),
        gradient: unit2(projectVector(inv(s), plane)),
      };
    }),
  };

  const errors = robust.map((r) =>
    'relErrorFrobenius' in r.numerical ? r.numerical.relErrorFrobenius : NaN,
  );
  return {
    tool: 'robust-features theory',
    paper:
      'Ilyas, Santurkar, Tsipras, Engstrom, Tran, Madry. Adversarial Examples Are Not Bugs, They Are Features. NeurIPS 2019 (arXiv:1905.02175), Section 4 and its appendix',
    source,
    config: { ...cfg, sigmaStarMatrix: toRows(sigmaStar) },
    conventions: CONVENTIONS,
    standard,
    theorem1,
    robust,
    samples,
    plot,
    summary: {
      maxRelErrorClosedFormVsNumerical: errors.some((e) => !Number.isNaN(e))
        ? Math.max(...errors.filter((e) => !Number.isNaN(e)))
        : null,
      relErrorByEps: cfg.eps.map((eps, i) => ({ eps, relError: errors[i] })),
      standardAngleDeg: standard.gradientAngleDeg,
      robustAngleDegByEps: robust.map((r) => ({ eps: r.eps, angleDeg: r.gradientAngleDeg })),
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

export type TheoryResult = Awaited<ReturnType<typeof runTheoryExperiment>>;
