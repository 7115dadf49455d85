/**
 * A titled chart with its Export PNG / Export SVG buttons, the same in every panel that draws
 * charts. The panel owns the registry of live charts, so that it can destroy them all on a redraw
 * and rebuild them when the theme changes (each section's `rebuild`).
 */
import { Chart, type ChartConfiguration } from 'chart.js';
import { el, post } from './api';
import { chartToSvg } from './chartSvg';
import { button } from './exports';
import { palette } from './theme';

export type ChartSection = HTMLElement & { rebuild?: () => void };

export function chartSection(
  charts: Map<string, Chart>,
  id: string,
  title: string,
  cfg: () => ChartConfiguration,
  extraClass = '',
): ChartSection {
  const canvas = el('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': title });
  const box = el('div', { class: `chart-box ${extraClass}`.trim() }, canvas);
  const section: ChartSection = el(
    'div',
    { class: 'section', 'data-chart': id },
    el('h2', {}, title),
    box,
  );
  const make = () => {
    charts.get(id)?.destroy();
    charts.set(id, new Chart(canvas, cfg()));
  };
  const exportAs = (format: 'png' | 'svg') => () => {
    const c = charts.get(id);
    if (!c) return;
    const data =
      format === 'png' ? c.toBase64Image('image/png', 1) : chartToSvg(c, title, palette());
    post({ type: 'export', name: id, format, data });
  };
  section.append(
    el(
      'div',
      { class: 'toolbar' },
      button('Export PNG', exportAs('png'), `${id}-png`),
      button('Export SVG', exportAs('svg'), `${id}-svg`),
    ),
  );
  queueMicrotask(make);
  section.rebuild = make;
  return section;
}
