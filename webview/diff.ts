/** Diff panel: image a, image b, and b − a amplified through a diverging colormap, with L2 / L∞. */
import './common/style.css';
import type { DiffData, DiffSide } from '../src/shared/webviewProtocol';
import { el, setState, showError, start, toast } from './common/api';
import { csvButton } from './common/exports';
import { onThemeChange } from './common/theme';

const app = document.getElementById('app')!;

function figure(id: string, s: DiffSide): HTMLElement {
  const fig = el(
    'figure',
    { id },
    el('img', { src: s.png, alt: s.title }),
    el(
      'figcaption',
      {},
      el('div', { class: 'title' }, s.title),
      el(
        'div',
        { class: 'label', 'data-label': String(s.label) },
        `label ${s.label}: ${s.labelName}`,
      ),
    ),
  );
  for (const p of s.predictions)
    fig.append(
      el(
        'div',
        { class: 'top3', 'data-checkpoint': p.name },
        el('div', { class: 'muted' }, p.name),
        el(
          'ol',
          {},
          ...p.top3.map((t) =>
            el(
              'li',
              { 'data-label': String(t.label), 'data-p': String(t.p) },
              `${t.labelName} ${(100 * t.p).toFixed(1)}%`,
            ),
          ),
        ),
      ),
    );
  if (!s.predictions.length)
    fig.append(el('div', { class: 'muted' }, 'no predictions (none computed for this set)'));
  return fig;
}

function render(d: DiffData): void {
  setState({ a: d.a.ref, b: d.b.ref });
  const m = 1 / d.amplification;
  const diffFig = el(
    'figure',
    { id: 'diff' },
    el('img', { src: d.diffPng, alt: 'difference b − a' }),
    el('figcaption', {}, `b − a (mean over channels), ×${d.amplification.toFixed(1)}`),
    el('div', { class: 'colorbar', role: 'img', 'aria-label': 'blue: b darker, red: b brighter' }),
    el(
      'div',
      { class: 'colorbar-labels' },
      el('span', {}, (-m).toFixed(3)),
      el('span', {}, '0'),
      el('span', {}, `+${m.toFixed(3)}`),
    ),
  );
  const norms = el(
    'table',
    { class: 'data', id: 'norms', tabindex: '0', 'aria-label': 'norms of b − a' },
    el(
      'tbody',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, '‖b − a‖₂'),
        el('td', { id: 'l2', 'data-value': String(d.l2) }, d.l2.toFixed(4)),
      ),
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, '‖b − a‖∞'),
        el('td', { id: 'linf', 'data-value': String(d.linf) }, d.linf.toFixed(4)),
      ),
      el('tr', {}, el('th', { scope: 'row' }, 'size'), el('td', {}, d.shape.join('×'))),
    ),
  );
  app.replaceChildren(
    el('h1', {}, `${d.a.title} vs ${d.b.title}`),
    el('div', { class: 'diff-grid' }, figure('a', d.a), figure('b', d.b), diffFig),
    el('h2', {}, 'Norms of the difference (pixels in [0, 1])'),
    norms,
    el('div', { class: 'toolbar' }, csvButton('diff-norms', norms)),
    el(
      'p',
      { class: 'muted' },
      `a: ${d.a.ref.folder}${d.a.ref.source ? ' (source set)' : ''} #${d.a.ref.index}; b: ${d.b.ref.folder}${d.b.ref.source ? ' (source set)' : ''} #${d.b.ref.index}`,
    ),
  );
  document.body.dataset.rendered = String(Date.now());
}

onThemeChange(() => {});
start((m) => {
  switch (m.type) {
    case 'diff':
      render(m.data);
      return;
    case 'error':
      showError(m.message);
      return;
    case 'saved':
      document.body.dataset.lastSaved = m.path;
      toast(`Saved ${m.path}`);
      return;
    case 'results':
    case 'gallery':
    case 'thumbs':
    case 'theory':
    case 'gradients':
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
