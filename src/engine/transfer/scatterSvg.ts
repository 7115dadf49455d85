/** The transfer figure as a plain SVG scatter: test accuracy (x) against transfer success (y). */
import type { TransferRow } from './transfer';

export function scatterSvg(rows: TransferRow[], correlation: number): string {
  const W = 420,
    H = 320,
    L = 60,
    B = 50,
    R = 20,
    T = 30;
  const x = (v: number) => L + v * (W - L - R);
  const y = (v: number) => H - B - v * (H - B - T);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const esc = (s: string) =>
    s.replace(/[<>&]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[ch] as string);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">Transfer vs learning from D_rand (Pearson r = ${correlation.toFixed(3)})</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#ddd"/><text x="${x(t)}" y="${y(0) + 14}" text-anchor="middle">${(100 * t).toFixed(0)}</text>`,
    ),
    ...ticks.map(
      (t) =>
        `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#ddd"/><text x="${x(0) - 6}" y="${y(t) + 4}" text-anchor="end">${(100 * t).toFixed(0)}</text>`,
    ),
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">accuracy on the original test set after training on D_rand (%)</text>`,
    `<text transform="translate(16 ${(H - B + T) / 2}) rotate(-90)" text-anchor="middle">transfer success of targeted attacks (%)</text>`,
    ...rows.map(
      (r) =>
        `<circle cx="${x(r.testAcc)}" cy="${y(r.transferSuccess)}" r="5" fill="#1f77b4"/><text x="${x(r.testAcc) + 8}" y="${y(r.transferSuccess) + 4}">${esc(r.arch)}</text>`,
    ),
    '</svg>',
    '',
  ].join('\n');
}
