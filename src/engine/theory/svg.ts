/**
 * The two plots of `robust-features theory`, as plain SVG text (no plotting library): the
 * covariance ellipses of the standard and robust models across ε (Theorem 2), and the angle
 * between the input gradient and μ* against ε (Theorem 3).
 */

export interface EllipseSeries {
  eps: number;
  /** Closed contour of the trace-normalised covariance in the plot plane. */
  points: [number, number][];
  /** Unit input-gradient direction Σ⁻¹μ* in the plot plane. */
  gradient: [number, number];
}

const W = 480,
  H = 480,
  PAD = 40;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Blue (standard, ε = 0) to red (largest ε). */
function color(t: number): string {
  const r = Math.round(30 + 200 * t),
    b = Math.round(200 - 170 * t);
  return `rgb(${r},60,${b})`;
}

const f = (x: number): string => (Math.round(x * 100) / 100).toString();

export function ellipsesSvg(
  series: EllipseSeries[],
  muStar: [number, number],
  title: string,
  planeNote: string,
): string {
  const extent =
    Math.max(
      1.2,
      ...series.flatMap((s) => s.points.flatMap(([x, y]) => [Math.abs(x), Math.abs(y)])),
    ) * 1.1;
  const sx = (x: number): number => W / 2 + (x / extent) * (W / 2 - PAD);
  const sy = (y: number): number => H / 2 - (y / extent) * (H / 2 - PAD);
  const parts: string[] = [];
  parts.push(
    `<line x1="${PAD}" y1="${H / 2}" x2="${W - PAD}" y2="${H / 2}" stroke="#ccc"/><line x1="${W / 2}" y1="${PAD}" x2="${W / 2}" y2="${H - PAD}" stroke="#ccc"/>`,
  );
  const unit = Array.from(
    { length: 65 },
    (_, i) => [Math.cos((i * Math.PI) / 32), Math.sin((i * Math.PI) / 32)] as const,
  );
  parts.push(
    `<polyline fill="none" stroke="#444" stroke-dasharray="4 3" points="${unit.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"><title>identity (unit circle)</title></polyline>`,
  );
  const n = Math.max(1, series.length - 1);
  series.forEach((s, i) => {
    const c = color(i / n);
    parts.push(
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"><title>ε = ${s.eps}</title></polyline>`,
    );
    const [gx, gy] = s.gradient;
    parts.push(
      `<line x1="${f(sx(0))}" y1="${f(sy(0))}" x2="${f(sx(gx * extent * 0.9))}" y2="${f(sy(gy * extent * 0.9))}" stroke="${c}" stroke-width="1" opacity="0.7"/>`,
    );
    parts.push(
      `<text x="${W - PAD + 4}" y="${PAD + 14 * i}" font-size="11" fill="${c}">ε=${s.eps}${s.eps === 0 ? ' (std)' : ''}</text>`,
    );
  });
  const m = Math.hypot(...muStar);
  parts.push(
    `<line x1="${f(sx(0))}" y1="${f(sy(0))}" x2="${f(sx((muStar[0] / m) * extent * 0.95))}" y2="${f(sy((muStar[1] / m) * extent * 0.95))}" stroke="black" stroke-width="2.5"><title>μ* direction</title></line>`,
  );
  parts.push(`<text x="${PAD}" y="20" font-size="13">${esc(title)}</text>`);
  parts.push(
    `<text x="${PAD}" y="${H - 20}" font-size="10" fill="#555">${esc(planeNote)}</text>`,
    `<text x="${PAD}" y="${H - 7}" font-size="10" fill="#555">black: μ* direction; thin lines: input gradient Σ⁻¹μ*; dashed: identity</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 60}" height="${H}" viewBox="0 0 ${W + 60} ${H}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

export function anglesSvg(
  points: { eps: number; angleDeg: number }[],
  standardAngleDeg: number,
  title: string,
): string {
  const pos = points.filter((p) => p.eps > 0);
  const lx = pos.map((p) => Math.log10(p.eps));
  const x0 = Math.min(...lx, -2),
    x1 = Math.max(...lx, 0);
  const yMax = Math.max(
    10,
    Math.ceil(standardAngleDeg / 10) * 10,
    ...points.map((p) => Math.ceil(p.angleDeg / 10) * 10),
  );
  const sx = (x: number): number => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const sy = (y: number): number => H - PAD - (y / yMax) * (H - 2 * PAD);
  const parts: string[] = [];
  parts.push(
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="black"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="black"/>`,
  );
  for (let y = 0; y <= yMax; y += 10)
    parts.push(
      `<text x="${PAD - 6}" y="${f(sy(y) + 4)}" font-size="10" text-anchor="end">${y}°</text>`,
    );
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++)
    parts.push(
      `<text x="${f(sx(e))}" y="${H - PAD + 14}" font-size="10" text-anchor="middle">1e${e}</text>`,
    );
  parts.push(
    `<line x1="${PAD}" y1="${f(sy(standardAngleDeg))}" x2="${W - PAD}" y2="${f(sy(standardAngleDeg))}" stroke="rgb(30,60,200)" stroke-dasharray="5 4"><title>standard model: ${f(standardAngleDeg)}°</title></line>`,
  );
  parts.push(
    `<polyline fill="none" stroke="rgb(230,60,30)" stroke-width="2" points="${pos.map((p) => `${f(sx(Math.log10(p.eps)))},${f(sy(p.angleDeg))}`).join(' ')}"/>`,
  );
  for (const p of pos)
    parts.push(
      `<circle cx="${f(sx(Math.log10(p.eps)))}" cy="${f(sy(p.angleDeg))}" r="3" fill="rgb(230,60,30)"><title>ε = ${p.eps}: ${f(p.angleDeg)}°</title></circle>`,
    );
  parts.push(`<text x="${PAD}" y="20" font-size="13">${esc(title)}</text>`);
  parts.push(
    `<text x="${W / 2}" y="${H - 6}" font-size="11" text-anchor="middle">ε (rms ℓ2 budget, log scale); dashed: standard model</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}
