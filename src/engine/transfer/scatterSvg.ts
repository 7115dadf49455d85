/**
 * Figure 3 as a plain SVG scatter: x, the accuracy after training on D_rand; y, transfer success
 * of the source's adversarial examples to the architecture's standard model, untargeted (circles)
 * and targeted (squares).
 */
import type { Figure3 } from './transfer';

const COLORS = { untargeted: '#1f77b4', targeted: '#d62728' } as const;

export function scatterSvg(f: Figure3): string {
  const W = 480,
    H = 360,
    L = 60,
    B = 50,
    R = 20,
    T = 48;
  const x = (v: number) => L + v * (W - L - R);
  const y = (v: number) => H - B - v * (H - B - T);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const esc = (s: string) =>
    s.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch] as string);
  const c = f.correlations;
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
  const line = (k: 'untargeted' | 'targeted') =>
    `${k}: Pearson r = ${fmt(c[k].pearson.r)} [${fmt(c[k].pearson.ci[0])}, ${fmt(c[k].pearson.ci[1])}], Spearman ρ = ${fmt(c[k].spearman.r)} [${fmt(c[k].spearman.ci[0])}, ${fmt(c[k].spearman.ci[1])}]`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">Figure 3: transfer from ${esc(f.sourceArch)} vs learning from its D_rand</text>`,
    `<text x="${W / 2}" y="30" text-anchor="middle" fill="${COLORS.untargeted}">${esc(line('untargeted'))}</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle" fill="${COLORS.targeted}">${esc(line('targeted'))}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#ddd"/><text x="${x(t)}" y="${y(0) + 14}" text-anchor="middle">${(100 * t).toFixed(0)}</text>`,
    ),
    ...ticks.map(
      (t) =>
        `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#ddd"/><text x="${x(0) - 6}" y="${y(t) + 4}" text-anchor="end">${(100 * t).toFixed(0)}</text>`,
    ),
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">accuracy on the original test set after training on D_rand (%)</text>`,
    `<text transform="translate(16 ${(H - B + T) / 2}) rotate(-90)" text-anchor="middle">transfer success to the standard model (%)</text>`,
    ...f.points.flatMap((p) => [
      `<circle cx="${x(p.dRandAcc)}" cy="${y(p.untargetedTransfer)}" r="5" fill="${COLORS.untargeted}"><title>${esc(p.arch)}, untargeted</title></circle>`,
      `<rect x="${x(p.dRandAcc) - 4}" y="${y(p.targetedTransfer) - 4}" width="8" height="8" fill="${COLORS.targeted}"><title>${esc(p.arch)}, targeted</title></rect>`,
      `<text x="${x(p.dRandAcc) + 8}" y="${y(p.untargetedTransfer) + 4}">${esc(p.arch)}</text>`,
    ]),
    '</svg>',
    '',
  ].join('\n');
}
