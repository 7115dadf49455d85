/**
 * Results panel: Figure 2 (grouped bars, ours beside the paper's CIFAR-10 numbers; with several
 * seeds, means with ± one standard deviation as whiskers and in every cell), Table 1, Figure 3 (a
 * scatter of transfer against learning from D_rand, one point per architecture), accuracy–ε curves
 * and training curves of every checkpoint in the folder. Each table exports
 * as CSV, each chart as PNG and SVG (the host writes the files into <folder>/exports/).
 */
import './common/style.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { ResultsData } from '../src/shared/webviewProtocol';
import { el, pct, post, setState, showError, start, toast } from './common/api';
import { onThemeChange, palette } from './common/theme';
import { chartSection as sharedChartSection } from './common/chartSection';
import { button, csvOf } from './common/exports';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Legend,
  Tooltip,
  Title,
);

const app = document.getElementById('app')!;
const charts = new Map<string, Chart>();
let current: ResultsData | undefined;

// Fills the canvas with the editor background first, so an exported PNG is not transparent.
const background: Plugin = {
  id: 'rflBackground',
  beforeDraw: (chart) => {
    const { ctx } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = palette().bg;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Whiskers of ± `errorBars[k]` on each bar of a dataset that has them (reproduce --seeds). */
const errorBars: Plugin = {
  id: 'rflErrorBars',
  afterDatasetsDraw: (chart) => {
    const { ctx } = chart;
    chart.data.datasets.forEach((ds, i) => {
      const errors = (ds as { errorBars?: (number | null)[] }).errorBars;
      const y = chart.scales.y;
      if (!errors || !y || !chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach((bar, k) => {
        const v = ds.data[k] as number | null;
        const e = errors[k];
        if (v === null || e === null || e === undefined || !Number.isFinite(v + e)) return;
        const [top, bottom] = [y.getPixelForValue(v + e), y.getPixelForValue(v - e)];
        ctx.save();
        ctx.strokeStyle = palette().fg;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(bar.x, top);
        ctx.lineTo(bar.x, bottom);
        ctx.moveTo(bar.x - 4, top);
        ctx.lineTo(bar.x + 4, top);
        ctx.moveTo(bar.x - 4, bottom);
        ctx.lineTo(bar.x + 4, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

const FIG2_ROWS = [
  ['standard_D', 'D (standard training)'],
  ['adversarial_D', 'D (adversarial training)'],
  ['standard_DR', 'D_R (standard training)'],
  ['standard_DNR', 'D_NR (standard training)'],
] as const;

function tableSection(
  id: string,
  title: string,
  head: string[],
  rows: { cells: (string | [string, string, string?])[] }[],
): HTMLElement {
  const table = el('table', { class: 'data', id, tabindex: '0', 'aria-label': title });
  table.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    r.cells.forEach((c, i) => {
      if (typeof c === 'string')
        tr.append(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, c));
      else tr.append(el('td', { 'data-cell': c[1], ...(c[2] ? { class: c[2] } : {}) }, c[0]));
    });
    body.append(tr);
  }
  table.append(body);
  return el(
    'div',
    { class: 'section' },
    el('h2', {}, title),
    table,
    el(
      'div',
      { class: 'toolbar' },
      button(
        'Export CSV',
        () => post({ type: 'export', name: id, format: 'csv', data: csvOf(table) }),
        `${id}-csv`,
      ),
    ),
  );
}

function chartSection(
  id: string,
  title: string,
  cfg: () => ChartConfiguration,
  extraClass = '',
): HTMLElement {
  return sharedChartSection(charts, id, title, cfg, extraClass);
}

function baseOptions(
  yTitle: string,
  xTitle?: string,
  yMax?: number,
): ChartConfiguration['options'] {
  const p = palette();
  const axis = (title?: string, max?: number) => ({
    ...(max !== undefined ? { min: 0, max } : {}),
    ticks: { color: p.fg },
    grid: { color: p.grid },
    ...(title ? { title: { display: true, text: title, color: p.fg } } : {}),
  });
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: p.fg } } },
    scales: { x: axis(xTitle), y: axis(yTitle, yMax) },
  };
}

function render(d: ResultsData): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
  const p = palette();
  app.replaceChildren(
    el('h1', {}, 'Results'),
    el('div', { class: 'muted', id: 'folder' }, d.folder),
  );
  const r = d.results;
  if (r) {
    const tm = r.threatModel;
    const sd = r.spread;
    app.append(
      el(
        'div',
        { class: 'muted', id: 'threat' },
        `Robust accuracy: ${tm.norm === 'linf' ? 'L∞' : tm.norm.toUpperCase()} PGD-${tm.steps}, ε = ${tm.eps}. Paper: ${d.paper.threat}.` +
          (sd
            ? ` Mean ± sample standard deviation over seeds ${sd.seeds.join(', ')} (whiskers: ± 1 sd).`
            : ''),
      ),
    );
    // "85.1 ± 0.6" over seeds, "85.1" for one run.
    const cell = (mean: number | undefined, std: number | undefined) =>
      sd ? `${pct(mean)} ± ${pct(std)}` : pct(mean);
    const f2 = FIG2_ROWS.map(([k, label]) => {
      const ours = r.figure2[k];
      const paper = d.paper.figure2[k];
      return {
        cells: [
          label,
          [cell(ours?.standardAcc, sd?.figure2[k]?.standardAcc), `${k}.standardAcc`],
          [cell(ours?.robustAcc, sd?.figure2[k]?.robustAcc), `${k}.robustAcc`],
          [String(paper?.standardAcc ?? '—'), `paper.${k}.standardAcc`, 'paper'],
          [String(paper?.robustAcc ?? '—'), `paper.${k}.robustAcc`, 'paper'],
        ] as (string | [string, string, string?])[],
      };
    });
    app.append(
      chartSection('figure2', 'Figure 2: accuracy (%) on the original test set', () => ({
        type: 'bar',
        data: {
          labels: FIG2_ROWS.map(([, l]) => l),
          datasets: [
            {
              label: 'ours: standard',
              data: FIG2_ROWS.map(([k]) => 100 * (r.figure2[k]?.standardAcc ?? NaN)),
              backgroundColor: p.series[0],
              ...(sd
                ? { errorBars: FIG2_ROWS.map(([k]) => 100 * (sd.figure2[k]?.standardAcc ?? NaN)) }
                : {}),
            },
            {
              label: `ours: robust (ε=${tm.eps})`,
              data: FIG2_ROWS.map(([k]) => 100 * (r.figure2[k]?.robustAcc ?? NaN)),
              backgroundColor: p.series[1],
              ...(sd
                ? { errorBars: FIG2_ROWS.map(([k]) => 100 * (sd.figure2[k]?.robustAcc ?? NaN)) }
                : {}),
            },
            {
              label: 'paper CIFAR-10: standard',
              data: FIG2_ROWS.map(([k]) => d.paper.figure2[k]?.standardAcc ?? NaN),
              backgroundColor: p.series[0] + '66',
              borderColor: p.series[0],
              borderWidth: 1,
            },
            {
              label: 'paper: robust (ε=0.25)',
              data: FIG2_ROWS.map(([k]) => d.paper.figure2[k]?.robustAcc ?? NaN),
              backgroundColor: p.series[1] + '66',
              borderColor: p.series[1],
              borderWidth: 1,
            },
          ],
        },
        options: baseOptions('accuracy (%)', undefined, 100),
        plugins: [background, errorBars],
      })),
      tableSection(
        'figure2-table',
        'Figure 2 (table)',
        [
          'training set',
          'ours: standard',
          `ours: robust (ε=${tm.eps})`,
          'paper CIFAR-10: standard',
          `paper: robust`,
        ],
        f2,
      ),
      tableSection(
        'table1',
        'Table 1: test accuracy (%) after training on relabelled data',
        [
          'training set',
          'ours: test accuracy',
          'ours: targeted attack success',
          'paper CIFAR-10: test accuracy',
        ],
        (['D_rand', 'D_det'] as const).map((k) => ({
          cells: [
            k,
            [cell(r.table1[k]?.testAcc, sd?.table1[k]?.testAcc), `${k}.testAcc`],
            [cell(r.table1[k]?.attackSuccess, sd?.table1[k]?.attackSuccess), `${k}.attackSuccess`],
            [String(d.paper.table1[k]?.testAcc ?? '—'), `paper.${k}.testAcc`, 'paper'],
          ],
        })),
      ),
    );
  }
  if (d.figure3) app.append(...figure3Sections(d.figure3));
  if (!r && !d.figure3)
    app.append(
      el(
        'p',
        { class: 'muted', id: 'no-results' },
        'No results.json here (yet): the reproduction has not finished. Checkpoint curves below update as jobs write them.',
      ),
    );

  const withCurve = d.checkpoints.filter((c) => c.curve.length > 0);
  if (withCurve.length) {
    const eps = [...new Set(withCurve.flatMap((c) => c.curve.map((x) => x.eps)))].sort(
      (a, b) => a - b,
    );
    app.append(
      chartSection('accuracy-eps', 'Accuracy vs ε (ε = 0: standard accuracy)', () => ({
        type: 'line',
        data: {
          labels: eps.map(String),
          datasets: withCurve.map((c, i) => ({
            label: c.name,
            data: eps.map((e) => {
              const v = c.curve.find((x) => x.eps === e);
              return v ? 100 * v.acc : null;
            }),
            borderColor: p.series[i % p.series.length],
            backgroundColor: p.series[i % p.series.length],
            spanGaps: true,
          })),
        },
        options: baseOptions('accuracy (%)', `ε (${withCurve[0]?.norm ?? 'l2'})`, 100),
        plugins: [background],
      })),
      tableSection(
        'accuracy-eps-table',
        'Accuracy vs ε (table, %)',
        ['checkpoint', ...eps.map((e) => `ε=${e}`)],
        withCurve.map((c) => ({
          cells: [
            c.name,
            ...eps.map((e): [string, string] => [
              pct(c.curve.find((x) => x.eps === e)?.acc),
              `${c.name}.${e}`,
            ]),
          ],
        })),
      ),
    );
  }
  const withStrongest = d.checkpoints.filter((c) => c.strongest);
  if (withStrongest.length)
    app.append(
      tableSection(
        'strongest-eval-table',
        'Strongest robustness evaluation per checkpoint',
        [
          'checkpoint',
          'evaluation',
          'threat',
          'robust accuracy',
          'PGD on the same images',
          'images',
        ],
        withStrongest.map((c) => {
          const s = c.strongest!;
          return {
            cells: [
              c.name,
              s.label,
              `${s.norm.toUpperCase()} ε=${s.eps}`,
              [pct(s.robustAcc), `${c.name}.strongest`] as [string, string],
              s.pgd ? `PGD-${s.pgd.steps}: ${pct(s.pgd.robustAcc)}` : '—',
              s.n === undefined ? '—' : String(s.n),
            ],
          };
        }),
      ),
    );
  const withHist = d.checkpoints.filter((c) => c.history.length > 0);
  if (withHist.length) {
    const epochs = [...new Set(withHist.flatMap((c) => c.history.map((h) => h.epoch)))].sort(
      (a, b) => a - b,
    );
    const series = (key: 'loss' | 'accuracy' | 'testAccuracy', scale: number) =>
      withHist.map((c, i) => ({
        label: c.name,
        data: epochs.map((e) => {
          const h = c.history.find((x) => x.epoch === e);
          const v = h?.[key];
          return v !== undefined && Number.isFinite(v) ? v * scale : null;
        }),
        borderColor: p.series[i % p.series.length],
        backgroundColor: p.series[i % p.series.length],
        spanGaps: true,
      }));
    const row = el('div', { class: 'charts-row' });
    row.append(
      chartSection('training-loss', 'Training loss', () => ({
        type: 'line',
        data: { labels: epochs.map(String), datasets: series('loss', 1) },
        options: baseOptions('loss', 'epoch'),
        plugins: [background],
      })),
      chartSection('training-accuracy', 'Test accuracy during training (%)', () => ({
        type: 'line',
        data: { labels: epochs.map(String), datasets: series('testAccuracy', 100) },
        options: baseOptions('accuracy (%)', 'epoch', 100),
        plugins: [background],
      })),
    );
    app.append(row);
  }
  app.append(
    el(
      'p',
      { class: 'muted', id: 'updated' },
      `Updated ${new Date(d.updatedAt).toLocaleTimeString()}; ${d.checkpoints.length} checkpoint(s).`,
    ),
  );
  document.body.dataset.rendered = String(Date.now());
}

const corr = (c: { r: number | null; ci: [number | null, number | null] } | undefined) => {
  const f = (v: number | null | undefined) =>
    v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(2);
  return c ? `${f(c.r)} [${f(c.ci[0])}, ${f(c.ci[1])}]` : '—';
};

/** Figure 3: the scatter (x: accuracy after D_rand; y: transfer, untargeted and targeted) and its table. */
function figure3Sections(f3: NonNullable<ResultsData['figure3']>): HTMLElement[] {
  const p = palette();
  const c = f3.correlations;
  const series = (key: 'untargetedTransfer' | 'targetedTransfer') =>
    f3.points.map((pt) => ({ x: 100 * pt.dRandAcc, y: 100 * pt[key], arch: pt.arch }));
  const note = el(
    'div',
    { class: 'muted', id: 'figure3-correlations' },
    `Source: ${f3.sourceArch}. Pearson r / Spearman ρ with 95% bootstrap intervals — untargeted: ${corr(c.untargeted?.pearson)} / ${corr(c.untargeted?.spearman)}; targeted: ${corr(c.targeted?.pearson)} / ${corr(c.targeted?.spearman)}.`,
  );
  return [
    chartSection(
      'figure3',
      'Figure 3: transfer to the standard model vs accuracy after training on D_rand (%)',
      () => ({
        type: 'scatter',
        data: {
          datasets: [
            {
              label: 'untargeted transfer',
              data: series('untargetedTransfer'),
              backgroundColor: p.series[0],
              borderColor: p.series[0],
              pointRadius: 5,
            },
            {
              label: 'targeted transfer',
              data: series('targetedTransfer'),
              backgroundColor: p.series[1],
              borderColor: p.series[1],
              pointRadius: 5,
              pointStyle: 'rect',
            },
          ],
        },
        options: {
          ...baseOptions(
            'transfer success (%)',
            'accuracy on the original test set after training on D_rand (%)',
            100,
          ),
          plugins: {
            legend: { labels: { color: p.fg } },
            tooltip: {
              callbacks: {
                label: (item) => {
                  const raw = item.raw as { x: number; y: number; arch: string };
                  return `${raw.arch}: ${raw.x.toFixed(1)}, ${raw.y.toFixed(1)}`;
                },
              },
            },
          },
        },
        plugins: [background],
      }),
    ),
    note,
    tableSection(
      'figure3-table',
      'Figure 3 (table, %)',
      [
        'architecture',
        'D_rand: test accuracy',
        'D: test accuracy',
        'untargeted transfer',
        'targeted transfer',
      ],
      f3.points.map((pt) => ({
        cells: [
          pt.arch,
          [pct(pt.dRandAcc), `figure3.${pt.arch}.dRandAcc`],
          [pct(pt.standardAcc), `figure3.${pt.arch}.standardAcc`],
          [pct(pt.untargetedTransfer), `figure3.${pt.arch}.untargetedTransfer`],
          [pct(pt.targetedTransfer), `figure3.${pt.arch}.targetedTransfer`],
        ],
      })),
    ),
  ];
}

onThemeChange(() => {
  if (!current) return;
  document
    .querySelectorAll<HTMLElement & { rebuild?: () => void }>('[data-chart]')
    .forEach((s) => s.rebuild?.());
});

start((m) => {
  switch (m.type) {
    case 'results':
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
    case 'gallery':
    case 'thumbs':
    case 'diff':
    case 'theory':
    case 'gradients':
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
