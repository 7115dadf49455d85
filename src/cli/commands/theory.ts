/**
 * `robust-features theory`: the Gaussian model of Ilyas et al. (2019), Section 4, in numbers —
 * standard vs robust MLE across ε (Theorem 2's closed form checked against a numerical min–max
 * solver), the ℓ2/Mahalanobis misalignment (Theorem 1) and gradient alignment (Theorem 3).
 * Pure float64 TypeScript: no compute backend is started.
 */
import * as path from 'node:path';
import { parseVerb, type VerbSpec } from '../options';
import { writeFileAtomic } from '../../engine/formats/atomic';
import { defaultTheoryConfig, loadTheoryConfig } from '../../engine/theory/config';
import { runTheoryExperiment, type TheoryResult } from '../../engine/theory/run';
import { renderTheoryPlots } from '../../engine/theory/plots';

export const theoryVerb = {
  name: 'theory',
  summary: 'Gaussian model of §4: standard vs robust MLE across ε, Theorems 1-3 in numbers',
  description:
    'The Gaussian model of "Adversarial Examples Are Not Bugs, They Are Features" (Section 4).\n' +
    'Writes DIR/theory.json, DIR/ellipses.svg and DIR/angles.svg; --json prints theory.json\n' +
    'instead of a summary.',
  options: {
    config: {
      kind: 'string',
      arg: 'FILE',
      defaultText: 'the 2-D demo',
      help: '{"dim", "muStar", "sigmaStar": [[...]] | {"eigenvalues", "seed"}, "eps": [...], "samples"?, "seed"}',
    },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'results folder' },
  },
} as const satisfies VerbSpec;

/** JSON has no ∞ (λ at ε = 0): write non-finite numbers as strings rather than null. */
function toJson(result: TheoryResult): string {
  return (
    JSON.stringify(
      result,
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
      2,
    ) + '\n'
  );
}

const fmt = (x: number, digits = 4): string =>
  Number.isFinite(x) ? x.toPrecision(digits) : String(x);

export async function runTheory(argv: string[]): Promise<void> {
  const opts = parseVerb(theoryVerb, argv);
  const source = opts.config ?? 'built-in 2-D demo';
  const cfg = opts.config ? loadTheoryConfig(opts.config) : defaultTheoryConfig();
  const result = await runTheoryExperiment(cfg, source, {
    onProgress: opts.json
      ? undefined
      : (done, total, note) => console.error(`[${done}/${total}] ${note}`),
  });
  const plots = renderTheoryPlots(result);
  const out = path.resolve(opts.out);
  const json = toJson(result);
  writeFileAtomic(path.join(out, 'ellipses.svg'), plots.ellipses);
  writeFileAtomic(path.join(out, 'angles.svg'), plots.angles);
  writeFileAtomic(path.join(out, 'theory.json'), json);
  if (opts.json) {
    process.stdout.write(json);
    return;
  }
  console.log(
    `Gaussian model, dim ${cfg.dim} (${source}); standard gradient angle to μ*: ${fmt(result.standard.gradientAngleDeg)}°`,
  );
  console.log(
    '      ε         λ(ε)   rel.err closed vs numerical   solver its   angle(Σ_r⁻¹μ*, μ*)   ‖Σ_r·d/tr − I‖_F',
  );
  for (const r of result.robust) {
    const num = 'relErrorFrobenius' in r.numerical ? r.numerical : undefined;
    console.log(
      `${fmt(r.eps).padStart(8)} ${fmt(r.lambda).padStart(12)}   ${(num ? num.relErrorFrobenius.toExponential(2) : 'skipped').padStart(27)}   ${String(num?.iterations ?? '-').padStart(10)}   ${(fmt(r.gradientAngleDeg) + '°').padStart(18)}   ${fmt(r.distanceToIdentity).padStart(16)}`,
    );
  }
  console.log(
    `wrote ${path.join(out, 'theory.json')}, ellipses.svg, angles.svg (${result.summary.seconds.toFixed(1)} s)`,
  );
}
