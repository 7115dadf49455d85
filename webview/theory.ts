/**
 * Theory panel (paper §4, the Gaussian model): the robust covariance Σ_r (trace-normalised,
 * projected on the plot plane) for each ε, turning from Σ*'s shape toward a circle as ε grows
 * (Theorem 2); the angle between the input gradient Σ⁻¹μ* and μ* (Theorem 3); and how closely the
 * closed form agrees with the numerical min–max solver. Charts export as PNG/SVG, tables as CSV.
 */
import './common/style.css';
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { TheoryData } from '../src/shared/webviewProtocol';
import { el, post, setState, showError, start, toast } from './common/api';
import { onThemeChange, palette } from './common/theme';
import { chartSection as sharedChartSection } from './common/chartSection';
import { button, csvButton, svgText, svgToPng } from './common/exports';

Chart.register(
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

const app = document.getElementById('app')!;
const charts = new Map<string, Chart>();
let current: TheoryData | undefined;
const NS = 'http://www.w3.org/2000/svg';

function svgEl(
  tag: string,
  attrs: Record<string, string>,
  ...children: (Node | string)[]
): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Blue (small ε) to orange (large ε), by rank, so any ε list reads as an ordered sequence. */
function rampColor(k: number, n: number): string {
  const t = n > 1 ? k / (n - 1) : 0;
  const a = [55, 148, 255];
  const b = [209, 134, 22];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * t)).join(',')})`;
}

function ellipsesSvg(d: TheoryData): SVGSVGElement {
  const W = 520;
  const H = 440;
  const m = 44;
  const p = palette();
  const pts = d.ellipses.flatMap((e) => e.points);
  if (d.muStar) pts.push(d.muStar, [0, 0]);
  const r = Math.max(1e-9, ...pts.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.1;
  // Equal scales on both axes, so a circle looks like one (Σ_r → I shows as roundness).
  const s = Math.min(W - 2 * m, H - 2 * m) / (2 * r);
  const cx = W / 2;
  const cy = H / 2;
  const X = (x: number) => (cx + x * s).toFixed(2);
  const Y = (y: number) => (cy - y * s).toFixed(2);
  const svg = svgEl('svg', {
    xmlns: NS,
    width: String(W),
    height: String(H),
    viewBox: `0 0 ${W} ${H}`,
    id: 'ellipses-svg',
    role: 'img',
    'aria-label': 'robust covariance ellipses across ε',
  }) as SVGSVGElement;
  svg.append(svgEl('title', {}, 'Robust covariance Σ_r·d/tr(Σ_r) across ε (Theorem 2)'));
  svg.append(svgEl('rect', { width: '100%', height: '100%', fill: p.bg }));
  svg.append(
    svgEl('line', { x1: X(-r), y1: Y(0), x2: X(r), y2: Y(0), stroke: p.grid }),
    svgEl('line', { x1: X(0), y1: Y(-r), x2: X(0), y2: Y(r), stroke: p.grid }),
  );
  for (const t of [-r, -r / 2, r / 2, r]) {
    svg.append(
      svgEl(
        'text',
        { x: X(t), y: String(cy + 14), fill: p.fg, 'font-size': '10', 'text-anchor': 'middle' },
        t.toFixed(2),
      ),
    );
    svg.append(
      svgEl(
        'text',
        { x: String(cx - 4), y: Y(t), fill: p.fg, 'font-size': '10', 'text-anchor': 'end' },
        t.toFixed(2),
      ),
    );
  }
  d.ellipses.forEach((e, k) => {
    const color = rampColor(k, d.ellipses.length);
    svg.append(
      svgEl(
        'polygon',
        {
          points: e.points.map(([x, y]) => `${X(x)},${Y(y)}`).join(' '),
          fill: 'none',
          stroke: color,
          'stroke-width': '2',
          'data-eps': String(e.eps),
          class: 'ellipse',
        },
        svgEl('title', {}, `ε = ${e.eps}`),
      ),
    );
  });
  if (d.muStar) {
    const [x, y] = d.muStar;
    svg.append(
      svgEl('line', {
        x1: X(0),
        y1: Y(0),
        x2: X(x),
        y2: Y(y),
        stroke: p.fg,
        'stroke-width': '2',
        id: 'mu-star',
      }),
      svgEl('text', { x: X(x * 1.05), y: Y(y * 1.05), fill: p.fg, 'font-size': '12' }, 'μ*'),
    );
  }
  d.ellipses.forEach((e, k) => {
    const ly = 16 + 15 * k;
    svg.append(
      svgEl('line', {
        x1: String(W - 90),
        y1: String(ly - 4),
        x2: String(W - 70),
        y2: String(ly - 4),
        stroke: rampColor(k, d.ellipses.length),
        'stroke-width': '3',
      }),
    );
    svg.append(
      svgEl(
        'text',
        { x: String(W - 64), y: String(ly), fill: p.fg, 'font-size': '11' },
        `ε = ${e.eps}`,
      ),
    );
  });
  svg.append(
    svgEl('text', { x: '8', y: String(H - 8), fill: p.fg, 'font-size': '11' }, d.plane ?? ''),
  );
  return svg;
}

function chartSection(id: string, title: string, cfg: () => ChartConfiguration): HTMLElement {
  return sharedChartSection(charts, id, title, cfg);
}

function options(yTitle: string, log = false): ChartConfiguration['options'] {
  const p = palette();
  const axis = (title: string) => ({
    ticks: { color: p.fg },
    grid: { color: p.grid },
    title: { display: true, text: title, color: p.fg },
  });
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: p.fg } } },
    scales: {
      x: axis('ε'),
      y: { ...axis(yTitle), ...(log ? { type: 'logarithmic' as const } : { min: 0 }) },
    },
  };
}

// A canvas has no CSS variables: fill the editor background so exported PNGs are not transparent.
const background = {
  id: 'rflBackground',
  beforeDraw: (chart: Chart) => {
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = palette().bg;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

function render(d: TheoryData): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  const p = palette();
  app.replaceChildren(
    el('h1', {}, 'Gaussian model (paper §4)'),
    el('div', { class: 'muted', id: 'folder' }, `${d.folder} · dimension ${d.dim}`),
  );
  if (d.ellipses.length) {
    const svg = ellipsesSvg(d);
    app.append(
      el(
        'div',
        { class: 'section', id: 'ellipses' },
        el(
          'h2',
          {},
          'Robust covariance Σ_r across ε (trace-normalised): from Σ* toward the identity',
        ),
        svg,
        el(
          'div',
          { class: 'toolbar' },
          button(
            'Export SVG',
            () => post({ type: 'export', name: 'ellipses', format: 'svg', data: svgText(svg) }),
            'ellipses-svg-export',
          ),
          button(
            'Export PNG',
            () =>
              void svgToPng(svg, p.bg).then((data) =>
                post({ type: 'export', name: 'ellipses', format: 'png', data }),
              ),
            'ellipses-png-export',
          ),
        ),
      ),
    );
  }
  const labels = d.angles.map((a) => String(a.eps));
  app.append(
    chartSection(
      'angles',
      'Angle between the input gradient Σ⁻¹μ* and μ* (Theorem 3), degrees',
      () => ({
        type: 'line',
        data: {
          labels,
          datasets: [
            {
              label: 'robust model',
              data: d.angles.map((a) => a.angleDeg),
              borderColor: p.series[0],
              backgroundColor: p.series[0],
            },
            {
              label: 'standard model',
              data: d.angles.map(() => d.standardAngleDeg),
              borderColor: p.series[1],
              backgroundColor: p.series[1],
              borderDash: [6, 4],
            },
          ],
        },
        options: options('angle (°)'),
        plugins: [background],
      }),
    ),
  );
  const ok = d.agreement.filter((a) => a.relError !== null);
  if (ok.length)
    app.append(
      chartSection(
        'agreement',
        'Closed form (Theorem 2) vs numerical min–max solver: relative Frobenius error',
        () => ({
          type: 'line',
          data: {
            labels: ok.map((a) => String(a.eps)),
            datasets: [
              {
                label: '‖Σ_closed − Σ_solver‖_F / ‖Σ_closed‖_F',
                data: ok.map((a) => Math.max(a.relError!, 1e-18)),
                borderColor: p.series[2],
                backgroundColor: p.series[2],
              },
            ],
          },
          options: options('relative error', true),
          plugins: [background],
        }),
      ),
    );
  const table = el(
    'table',
    { class: 'data', id: 'agreement-table', tabindex: '0', 'aria-label': 'closed form vs solver' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['ε', 'relative error', 'converged', 'iterations', 'gradient–μ* angle (°)'].map((h) =>
          el('th', { scope: 'col' }, h),
        ),
      ),
    ),
    el(
      'tbody',
      {},
      ...d.agreement.map((a, i) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, String(a.eps)),
          el(
            'td',
            { 'data-cell': `relError.${a.eps}`, 'data-value': String(a.relError) },
            a.relError === null ? '—' : a.relError.toExponential(2),
          ),
          el('td', {}, a.converged === null ? '—' : a.converged ? 'yes' : 'no'),
          el('td', {}, a.iterations === null ? '—' : String(a.iterations)),
          el(
            'td',
            { 'data-cell': `angle.${a.eps}`, 'data-value': String(d.angles[i]?.angleDeg) },
            (d.angles[i]?.angleDeg ?? NaN).toFixed(2),
          ),
        ),
      ),
    ),
  );
  app.append(
    el(
      'div',
      { class: 'section' },
      el('h2', {}, 'Agreement per ε'),
      table,
      el(
        'p',
        { class: 'muted', id: 'max-error', 'data-value': String(d.maxRelError) },
        `Largest relative error: ${d.maxRelError === null ? '—' : d.maxRelError.toExponential(2)}. Standard model's angle: ${d.standardAngleDeg.toFixed(2)}°. Solver: ${d.method}`,
      ),
      el('div', { class: 'toolbar' }, csvButton('agreement-table', table)),
    ),
  );
  document.body.dataset.rendered = String(Date.now());
}

onThemeChange(() => {
  if (current) render(current);
});

start((m) => {
  switch (m.type) {
    case 'theory':
      current = m.data;
      setState({ folder: m.data.folder });
      render(m.data);
      return;
    case 'saved':
      document.body.dataset.lastSaved = m.path;
      toast(`Saved ${m.path}`);
      return;
    case 'error':
      showError(m.message);
      return;
    case 'results':
    case 'gallery':
    case 'thumbs':
    case 'diff':
    case 'gradients':
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
