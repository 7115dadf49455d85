/**
 * SVG export of our chart.js bar and line charts. chart.js draws only to a canvas, so this
 * writes the same chart from the geometry chart.js has already laid out (chart area, scale ticks,
 * bar and point positions, legend boxes): what the SVG shows is what the canvas shows, and each
 * bar and point carries its number (data-value) so the file can be read back, not just looked at.
 */
import type { Chart, Scale } from 'chart.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const f = (x: number) => (Math.round(x * 100) / 100).toString();
const colorOf = (c: unknown, fallback: string) => (typeof c === 'string' ? c : fallback);

function text(x: number, y: number, s: string, fill: string, extra = ''): string {
  return `<text x="${f(x)}" y="${f(y)}" fill="${esc(fill)}" font-size="11" font-family="sans-serif" ${extra}>${esc(s)}</text>`;
}

function scaleSvg(
  scale: Scale,
  area: { left: number; right: number; top: number; bottom: number },
  fg: string,
  grid: string,
): string[] {
  const out: string[] = [];
  const horizontal = scale.isHorizontal();
  scale.ticks.forEach((t, i) => {
    const p = scale.getPixelForTick(i);
    const label = Array.isArray(t.label) ? t.label.join(' ') : String(t.label ?? '');
    if (horizontal) {
      out.push(
        `<line x1="${f(p)}" y1="${f(area.top)}" x2="${f(p)}" y2="${f(area.bottom)}" stroke="${esc(grid)}" stroke-width="1"/>`,
      );
      out.push(text(p, area.bottom + 14, label, fg, 'text-anchor="middle"'));
    } else {
      out.push(
        `<line x1="${f(area.left)}" y1="${f(p)}" x2="${f(area.right)}" y2="${f(p)}" stroke="${esc(grid)}" stroke-width="1"/>`,
      );
      out.push(text(area.left - 6, p + 4, label, fg, 'text-anchor="end"'));
    }
  });
  const title = (scale.options as { title?: { display?: boolean; text?: string | string[] } })
    .title;
  if (title?.display && title.text) {
    const s = Array.isArray(title.text) ? title.text.join(' ') : title.text;
    if (horizontal)
      out.push(text((area.left + area.right) / 2, scale.bottom - 2, s, fg, 'text-anchor="middle"'));
    else {
      const x = scale.left + 10;
      const y = (area.top + area.bottom) / 2;
      out.push(text(x, y, s, fg, `text-anchor="middle" transform="rotate(-90 ${f(x)} ${f(y)})"`));
    }
  }
  return out;
}

/** The chart as a standalone SVG document (same size, colours and layout as the canvas). */
export function chartToSvg(
  chart: Chart,
  title: string,
  colors: { bg: string; fg: string; grid: string },
): string {
  const { width, height, chartArea: area } = chart;
  const body: string[] = [`<rect width="100%" height="100%" fill="${esc(colors.bg)}"/>`];
  for (const scale of Object.values(chart.scales))
    body.push(...scaleSvg(scale, area, colors.fg, colors.grid));
  const labels = (chart.data.labels ?? []).map(String);
  chart.data.datasets.forEach((ds, i) => {
    const meta = chart.getDatasetMeta(i);
    if (meta.hidden || !chart.isDatasetVisible(i)) return;
    const name = esc(String(ds.label ?? `series ${i + 1}`));
    const fill = colorOf(ds.backgroundColor, colors.fg);
    const stroke = colorOf(ds.borderColor, fill);
    // Bars and lines carry numbers; a scatter's points are {x, y} (drawn as circles, no line).
    const raw = ds.data as (number | { x: number; y: number } | null)[];
    const values = raw.map((v) => (v !== null && typeof v === 'object' ? v.y : v));
    if (meta.type === 'bar') {
      const errors = (ds as { errorBars?: (number | null)[] }).errorBars;
      const yScale = chart.scales[meta.yAxisID ?? 'y'];
      meta.data.forEach((el, k) => {
        const v = values[k];
        const b = el as unknown as { x: number; y: number; base: number; width: number };
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        const e = errors?.[k];
        if (yScale && e !== null && e !== undefined && Number.isFinite(e) && e > 0) {
          const [top, bottom] = [yScale.getPixelForValue(v + e), yScale.getPixelForValue(v - e)];
          body.push(
            `<path d="M${f(b.x)} ${f(top)}V${f(bottom)}M${f(b.x - 4)} ${f(top)}H${f(b.x + 4)}M${f(b.x - 4)} ${f(bottom)}H${f(b.x + 4)}" stroke="${esc(colors.fg)}" stroke-width="1.5" data-series="${name}" data-label="${esc(labels[k] ?? '')}" data-error="${e}"/>`,
          );
        }
        const bw = (ds as { borderWidth?: number }).borderWidth ?? 0;
        body.push(
          `<rect x="${f(b.x - b.width / 2)}" y="${f(Math.min(b.y, b.base))}" width="${f(b.width)}" height="${f(Math.abs(b.base - b.y))}" fill="${esc(fill)}"${bw ? ` stroke="${esc(stroke)}" stroke-width="${bw}"` : ''} data-series="${name}" data-label="${esc(labels[k] ?? '')}" data-value="${v}"><title>${name}, ${esc(labels[k] ?? '')}: ${v}</title></rect>`,
        );
      });
    } else {
      const pts = meta.data
        .map((el, k) => ({
          x: (el as unknown as { x: number }).x,
          y: (el as unknown as { y: number }).y,
          v: values[k],
          k,
        }))
        .filter((p) => p.v !== null && p.v !== undefined && Number.isFinite(p.v));
      if (pts.length > 1 && meta.type === 'line')
        body.push(
          `<polyline fill="none" stroke="${esc(stroke)}" stroke-width="2" points="${pts.map((p) => `${f(p.x)},${f(p.y)}`).join(' ')}" data-series="${name}"/>`,
        );
      for (const p of pts)
        body.push(
          `<circle cx="${f(p.x)}" cy="${f(p.y)}" r="3" fill="${esc(fill)}" data-series="${name}" data-label="${esc(labels[p.k] ?? '')}" data-value="${p.v}"><title>${name}, ${esc(labels[p.k] ?? '')}: ${p.v}</title></circle>`,
        );
    }
  });
  const legend = chart.legend as unknown as
    | {
        legendItems?: { text: string; fillStyle?: unknown; strokeStyle?: unknown }[];
        legendHitBoxes?: { left: number; top: number; height: number }[];
      }
    | undefined;
  legend?.legendItems?.forEach((item, i) => {
    const box = legend.legendHitBoxes?.[i];
    if (!box) return;
    body.push(
      `<rect x="${f(box.left)}" y="${f(box.top)}" width="30" height="10" fill="${esc(colorOf(item.fillStyle, colors.fg))}" stroke="${esc(colorOf(item.strokeStyle, colors.fg))}"/>`,
    );
    body.push(text(box.left + 36, box.top + 9, item.text, colors.fg));
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<title>${esc(title)}</title>\n${body.join('\n')}\n</svg>\n`;
}
