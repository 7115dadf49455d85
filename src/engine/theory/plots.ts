/** The run's two figures from its result (plain SVG text; see svg.ts). */
import { ellipsesSvg, anglesSvg } from './svg';
import type { TheoryResult } from './run';

export function renderTheoryPlots(result: TheoryResult): { ellipses: string; angles: string } {
  const plot = result.plot;
  const ellipses = plot
    ? ellipsesSvg(
        plot.ellipses,
        plot.muStar,
        'Robust covariance Σ_r·d/tr(Σ_r) across ε (Ilyas et al. 2019, Thm 2)',
        plot.plane.description,
      )
    : '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40"><text x="8" y="24">dim 1: no ellipse to draw</text></svg>\n';
  const angles = anglesSvg(
    result.robust.map((r) => ({ eps: r.eps, angleDeg: r.gradientAngleDeg })),
    result.standard.gradientAngleDeg,
    'Angle between input gradient Σ⁻¹μ* and μ* (Thm 3)',
  );
  return { ellipses, angles };
}
