/**
 * Gallery: one row per source image; columns original | D_R | D_NR | D_rand | D_det with labels
 * (true; assigned where relabelled, in red when it differs). Virtual scrolling: only the rows in
 * view (plus a margin) exist in the DOM, thumbnails are fetched for those rows only and cached.
 * Keyboard: arrows move, Enter zooms, Space selects, C compares the two selected, Esc closes.
 */
import './common/style.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { GalleryData, GradientsData, ImageRef } from '../src/shared/webviewProtocol';
import { csvButton } from './common/exports';
import { el, getState, post, setState, showError, start, toast } from './common/api';
import { onThemeChange } from './common/theme';

let ROW_H = 118;
const OVERSCAN = 4;
const MAX_CACHED_ROWS = 4000;
const t0 = performance.now();
const app = document.getElementById('app')!;
let g: GalleryData | undefined;
let visible: number[] = []; // filtered row indices
const thumbs = new Map<number, string[]>();
const pending = new Set<number>();
const rowEls = new Map<number, HTMLElement>(); // position in `visible` → row element
const selected: { row: number; col: number }[] = [];
let focus = { pos: 0, col: 1 };
let scroller: HTMLElement;
let spacer: HTMLElement;
let firstPaintDone = false;
let requestTimer: number | undefined;

const name = (l: number | undefined) => (l === undefined ? '?' : (g?.classNames[l] ?? String(l)));

function changedRow(r: number): boolean {
  return !!g && g.columns.some((c) => c.labels && c.labels[r] !== g!.trueLabels[r]);
}

/** The chosen checkpoint predicts another class on some constructed version than on the original. */
function flippedRow(r: number, k: number): boolean {
  const top1 = g?.predictions[k]?.top1;
  const orig = top1?.[0];
  if (!top1 || !orig) return false;
  return top1.some((t, col) => col > 0 && t !== null && t[r] !== orig[r]);
}

function applyFilter(): void {
  const s = getState();
  const cls = s.classFilter ?? -1;
  visible = [];
  for (let r = 0; r < g!.rows; r++) {
    if (cls >= 0 && g!.trueLabels[r] !== cls) continue;
    if (s.changedOnly && !changedRow(r)) continue;
    if (s.flippedOnly && !flippedRow(r, s.predIndex ?? 0)) continue;
    visible.push(r);
  }
  spacer.style.height = `${visible.length * ROW_H}px`;
  document.getElementById('count')!.textContent = `${visible.length} of ${g!.rows} rows`;
  for (const e of rowEls.values()) pool.push(e);
  rowEls.clear();
  focus.pos = Math.min(focus.pos, Math.max(0, visible.length - 1));
  renderRows();
}

function refOf(row: number, col: number): ImageRef {
  const c = g!.columns[col]!;
  return { folder: c.folder, index: row, ...(c.key === 'source' ? { source: true } : {}) };
}

/** The cells show one standard and one robust checkpoint's prediction (the first of each role). */
function shownPredictions(): number[] {
  const p = g?.predictions ?? [];
  const std = p.findIndex((x) => x.role === 'standard');
  const rob = p.findIndex((x) => x.role === 'robust');
  const out = [std, rob].filter((k) => k >= 0);
  for (let k = 0; out.length < Math.min(2, p.length); k++) if (!out.includes(k)) out.push(k);
  return out.sort((a, b) => a - b);
}

// Row elements are pooled: scrolling re-fills existing nodes instead of building new ones.
const pool: HTMLElement[] = [];

function newRowEl(): HTMLElement {
  const e = el('div', { class: 'g-row', role: 'row' });
  e.append(
    el(
      'div',
      { class: 'g-idx', role: 'rowheader' },
      el('div', { class: 'idx' }),
      el('div', { class: 'muted cls' }),
    ),
  );
  for (let col = 0; col < g!.columns.length; col++) {
    const c = g!.columns[col]!;
    const cellEl = el(
      'div',
      { class: 'g-cell', role: 'gridcell', 'data-col': String(col), tabindex: '-1' },
      el('img', { class: 'px', alt: '', draggable: 'false' }),
      el('span', { class: 'lab' }),
    );
    for (const k of shownPredictions())
      cellEl.append(
        el('span', { class: 'pred', 'data-k': String(k), 'data-role': g!.predictions[k]!.role }),
      );
    if (c.available)
      cellEl.append(
        el('button', { class: 'sel', tabindex: '-1', title: 'Select to compare (Space)' }, '+'),
      );
    e.append(cellEl);
  }
  return e;
}

function fillRow(e: HTMLElement, pos: number): void {
  const row = visible[pos]!;
  e.hidden = false;
  e.dataset.row = String(row);
  e.dataset.pos = String(pos);
  e.setAttribute('aria-rowindex', String(pos + 1));
  e.style.transform = `translateY(${pos * ROW_H}px)`;
  (e.querySelector('.idx') as HTMLElement).textContent = `#${row}`;
  (e.querySelector('.cls') as HTMLElement).textContent = name(g!.trueLabels[row]);
  const srcs = thumbs.get(row);
  e.querySelectorAll<HTMLElement>('.g-cell').forEach((cellEl, col) => {
    const c = g!.columns[col]!;
    const label = c.labels?.[row];
    const changed = label !== undefined && label !== g!.trueLabels[row];
    const isSel = selected.some((x) => x.row === row && x.col === col);
    cellEl.dataset.row = String(row);
    cellEl.dataset.label = label === undefined ? '' : String(label);
    cellEl.className = `g-cell${changed ? ' changed' : ''}${isSel ? ' selected' : ''}`;
    cellEl.tabIndex = focus.pos === pos && focus.col === col ? 0 : -1;
    cellEl.setAttribute('aria-selected', String(isSel));
    cellEl.setAttribute('aria-label', `${c.title} image ${row}, label ${name(label)}`);
    const img = cellEl.firstElementChild as HTMLImageElement;
    img.alt = `${c.title} #${row}`;
    const src = srcs?.[col];
    if (src) img.src = src;
    else img.removeAttribute('src');
    (cellEl.children[1] as HTMLElement).textContent = c.available
      ? c.key === 'source'
        ? name(label)
        : `→ ${name(label)}`
      : 'n/a';
    const sel = cellEl.querySelector('.sel');
    if (sel) sel.textContent = isSel ? '✓' : '+';
    cellEl.querySelectorAll<HTMLElement>('.pred').forEach((span) => {
      const pr = g!.predictions[Number(span.dataset.k)]!;
      const t = pr.top1[col]?.[row];
      const orig = pr.top1[0]?.[row];
      span.textContent = t === undefined ? '' : `${pr.name}: ${name(t)}`;
      span.dataset.pred = t === undefined ? '' : String(t);
      span.classList.toggle(
        'flipped',
        col > 0 && t !== undefined && orig !== undefined && t !== orig,
      );
    });
  });
}

function renderRows(): void {
  if (!g) return;
  const top = scroller.scrollTop;
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const last = Math.min(
    visible.length - 1,
    Math.ceil((top + scroller.clientHeight) / ROW_H) + OVERSCAN,
  );
  for (const [pos, e] of rowEls)
    if (pos < first || pos > last) {
      rowEls.delete(pos);
      pool.push(e);
    }
  const missing: number[] = [];
  for (let pos = first; pos <= last; pos++) {
    const row = visible[pos]!;
    if (!thumbs.has(row) && !pending.has(row)) missing.push(row);
    if (!rowEls.has(pos)) {
      const e = pool.pop() ?? newRowEl();
      fillRow(e, pos);
      if (!e.isConnected) spacer.append(e);
      rowEls.set(pos, e);
    }
  }
  // Rows left in the pool are parked out of sight rather than removed (re-used next frame).
  for (const e of pool) {
    e.hidden = true;
    e.dataset.row = '';
  }
  document.body.dataset.renderedRows = String(rowEls.size);
  if (missing.length) requestThumbs(missing);
}

function cellFromEvent(ev: Event): { row: number; col: number } | undefined {
  const c = (ev.target as HTMLElement).closest<HTMLElement>('.g-cell');
  if (!c || c.dataset.row === undefined || c.dataset.row === '') return undefined;
  return { row: Number(c.dataset.row), col: Number(c.dataset.col) };
}

function requestThumbs(rows: number[]): void {
  for (const r of rows) pending.add(r);
  clearTimeout(requestTimer);
  // Coalesce a fast scroll into one request for what is in view when it settles.
  requestTimer = window.setTimeout(() => {
    const inView = new Set([...rowEls.values()].map((e) => Number(e.dataset.row)));
    const want = [...pending].filter((r) => inView.has(r)).slice(0, 200);
    pending.clear();
    if (want.length) {
      for (const r of want) pending.add(r);
      post({ type: 'requestThumbs', rows: want });
    }
  }, 16);
}

function onThumbs(list: { row: number; col: number; src: string }[]): void {
  for (const t of list) {
    let a = thumbs.get(t.row);
    if (!a) {
      a = [];
      thumbs.set(t.row, a);
    }
    a[t.col] = t.src;
    pending.delete(t.row);
  }
  while (thumbs.size > MAX_CACHED_ROWS) thumbs.delete(thumbs.keys().next().value as number);
  for (const e of rowEls.values()) {
    const a = thumbs.get(Number(e.dataset.row));
    if (e.dataset.row === '') continue;
    if (!a) continue;
    e.querySelectorAll<HTMLImageElement>('.g-cell img').forEach((img, col) => {
      if (!img.getAttribute('src') && a[col]) img.src = a[col];
    });
  }
  if (!firstPaintDone && list.length) {
    firstPaintDone = true;
    requestAnimationFrame(() => {
      const ms = Math.round(performance.now() - t0);
      document.body.dataset.firstPaintMs = String(ms);
      post({
        type: 'log',
        level: 'info',
        message: `first paint with thumbnails after ${ms} ms (${g!.rows} rows)`,
      });
    });
  }
}

function toggleSelect(row: number, col: number): void {
  const i = selected.findIndex((s) => s.row === row && s.col === col);
  if (i >= 0) selected.splice(i, 1);
  else {
    selected.push({ row, col });
    if (selected.length > 2) selected.shift();
  }
  document.getElementById('compare')!.toggleAttribute('disabled', selected.length !== 2);
  document.getElementById('selection')!.textContent =
    selected.map((s) => `${g!.columns[s.col]!.title} #${s.row}`).join(' vs ') ||
    'Select two images to compare';
  for (const e of rowEls.values())
    e.querySelectorAll<HTMLElement>('.g-cell').forEach((c) => {
      const on = selected.some(
        (s) => s.row === Number(c.dataset.row) && s.col === Number(c.dataset.col),
      );
      c.classList.toggle('selected', on);
      c.setAttribute('aria-selected', String(on));
      const b = c.querySelector('.sel');
      if (b) b.textContent = on ? '✓' : '+';
    });
}

function compare(): void {
  if (selected.length !== 2) return;
  post({
    type: 'openDiff',
    a: refOf(selected[0]!.row, selected[0]!.col),
    b: refOf(selected[1]!.row, selected[1]!.col),
  });
}

function zoom(row: number, col: number): void {
  const src = thumbs.get(row)?.[col];
  if (!src) return;
  const c = g!.columns[col]!;
  const close = el('vscode-button', { id: 'zoom-close' }, 'Close');
  const box = el(
    'div',
    { id: 'zoom', role: 'dialog', 'aria-modal': 'true', 'aria-label': `${c.title} #${row}` },
    el(
      'figure',
      {},
      el('img', { src, alt: `${c.title} #${row}` }),
      el(
        'figcaption',
        {},
        `${c.title} #${row}: label ${name(c.labels?.[row])} (true ${name(g!.trueLabels[row])}) `,
      ),
      close,
    ),
  );
  const done = () => {
    document.removeEventListener('keydown', onEsc, true);
    box.remove();
    focusCell();
  };
  close.addEventListener('click', done);
  box.addEventListener('click', (e) => {
    if (e.target === box) done();
  });
  const onEsc = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      e.preventDefault();
      document.removeEventListener('keydown', onEsc, true);
      done();
    }
  };
  document.addEventListener('keydown', onEsc, true);
  document.body.append(box);
  close.focus();
}

function focusCell(): void {
  const row = visible[focus.pos];
  if (row === undefined) return;
  const y = focus.pos * ROW_H;
  if (y < scroller.scrollTop) scroller.scrollTop = y;
  else if (y + ROW_H > scroller.scrollTop + scroller.clientHeight)
    scroller.scrollTop = y + ROW_H - scroller.clientHeight;
  renderRows();
  document
    .querySelectorAll('.g-cell[tabindex="0"]')
    .forEach((c) => c.setAttribute('tabindex', '-1'));
  const c = rowEls.get(focus.pos)?.querySelector<HTMLElement>(`.g-cell[data-col="${focus.col}"]`);
  c?.setAttribute('tabindex', '0');
  c?.focus({ preventScroll: true });
}

function onKey(e: KeyboardEvent): void {
  if (!g || document.getElementById('zoom')) return;
  const page = Math.max(1, Math.floor(scroller.clientHeight / ROW_H));
  const moves: Record<string, () => void> = {
    ArrowDown: () => (focus.pos = Math.min(visible.length - 1, focus.pos + 1)),
    ArrowUp: () => (focus.pos = Math.max(0, focus.pos - 1)),
    PageDown: () => (focus.pos = Math.min(visible.length - 1, focus.pos + page)),
    PageUp: () => (focus.pos = Math.max(0, focus.pos - page)),
    Home: () => (focus.pos = 0),
    End: () => (focus.pos = visible.length - 1),
    ArrowRight: () => (focus.col = Math.min(g!.columns.length - 1, focus.col + 1)),
    ArrowLeft: () => (focus.col = Math.max(0, focus.col - 1)),
  };
  const row = visible[focus.pos];
  if (moves[e.key]) {
    moves[e.key]!();
    focusCell();
  } else if (e.key === 'Enter' && row !== undefined) zoom(row, focus.col);
  else if (e.key === ' ' && row !== undefined) toggleSelect(row, focus.col);
  else if (e.key === 'c' || e.key === 'C') compare();
  else return;
  e.preventDefault();
}

function build(d: GalleryData): void {
  g = d;
  // A rebuild (predictions computed): row nodes of the previous layout must not be reused.
  pool.length = 0;
  rowEls.clear();
  const s = getState();
  setState({ folder: d.folder });
  const classSel = el(
    'select',
    { id: 'class-filter', 'aria-label': 'Filter by true class' },
    el('option', { value: '-1' }, 'All classes'),
    ...d.classNames.map((n, i) => el('option', { value: String(i) }, `${i}: ${n}`)),
  );
  classSel.value = String(s.classFilter ?? -1);
  classSel.addEventListener('change', () => {
    setState({ classFilter: Number(classSel.value) });
    applyFilter();
  });
  const changed = el('vscode-checkbox', {
    id: 'changed-only',
    label: 'label changed (D_rand / D_det relabelled away from the true class)',
    ...(s.changedOnly ? { checked: '' } : {}),
  }) as HTMLElement & { checked: boolean };
  changed.addEventListener('change', () => {
    setState({ changedOnly: changed.checked });
    applyFilter();
  });
  const predControls: HTMLElement[] = [];
  if (d.predictions.length) {
    const predSel = el(
      'select',
      { id: 'pred-ckpt', 'aria-label': 'Checkpoint for the flipped filter' },
      ...d.predictions.map((p, i) => el('option', { value: String(i) }, `${p.role}: ${p.name}`)),
    );
    predSel.value = String(s.predIndex ?? 0);
    predSel.addEventListener('change', () => {
      setState({ predIndex: Number(predSel.value) });
      applyFilter();
    });
    const flipped = el('vscode-checkbox', {
      id: 'flipped-only',
      label: 'prediction flipped',
      ...(s.flippedOnly ? { checked: '' } : {}),
    }) as HTMLElement & { checked: boolean };
    flipped.addEventListener('change', () => {
      setState({ flippedOnly: flipped.checked });
      applyFilter();
    });
    predControls.push(flipped, predSel);
  }
  ROW_H = 118 + 14 * Math.min(2, d.predictions.length);
  document.documentElement.style.setProperty('--row-h', `${ROW_H}px`);
  if (d.canPredict) {
    const pb = el(
      'vscode-button',
      { id: 'compute-predictions', secondary: '' },
      d.predictions.length ? 'Recompute predictions…' : 'Compute predictions…',
    );
    pb.addEventListener('click', () => post({ type: 'computePredictions' }));
    predControls.push(pb);
  }
  const cmp = el('vscode-button', { id: 'compare', disabled: '' }, 'Compare');
  cmp.addEventListener('click', compare);
  const notes = d.columns
    .filter((c) => c.note)
    .map((c) => el('div', { class: 'muted' }, `${c.title}: ${c.note}`));
  const head = el(
    'div',
    { class: 'g-head', role: 'row' },
    el('div', { role: 'columnheader' }, 'image'),
    ...d.columns.map((c) => el('div', { role: 'columnheader', title: c.folder }, c.title)),
  );
  scroller = el('div', {
    id: 'scroller',
    role: 'grid',
    'aria-rowcount': String(d.rows),
    'aria-label': 'Gallery',
  });
  spacer = el('div', { id: 'spacer' });
  scroller.append(head, spacer);
  app.replaceChildren(
    el(
      'div',
      { class: 'toolbar' },
      el('strong', {}, 'Gallery'),
      el('span', { id: 'count', class: 'muted' }),
      classSel,
      changed,
      ...predControls,
      cmp,
      el('span', { id: 'selection', class: 'muted' }, 'Select two images to compare'),
    ),
    ...notes,
    scroller,
  );
  app.style.setProperty('--cols', String(d.columns.length));
  let raf = 0;
  scroller.addEventListener(
    'scroll',
    () => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        renderRows();
        setState({ scrollTop: scroller.scrollTop });
      });
    },
    { passive: true },
  );
  window.addEventListener('resize', () => renderRows());
  scroller.addEventListener('keydown', onKey);
  spacer.addEventListener('click', (ev) => {
    const at = cellFromEvent(ev);
    if (!at) return;
    const t = ev.target as HTMLElement;
    if (t.classList.contains('sel')) {
      ev.stopPropagation();
      toggleSelect(at.row, at.col);
    } else if (t.tagName === 'IMG') zoom(at.row, at.col);
  });
  spacer.addEventListener('focusin', (ev) => {
    const c = (ev.target as HTMLElement).closest<HTMLElement>('.g-cell');
    const r = c?.closest<HTMLElement>('.g-row');
    if (c && r?.dataset.pos) focus = { pos: Number(r.dataset.pos), col: Number(c.dataset.col) };
  });
  applyFilter();
  if (s.scrollTop) {
    scroller.scrollTop = s.scrollTop;
    renderRows();
  }
  document.body.dataset.rows = String(d.rows);
}

/**
 * A gradients run (paper §4): per image, the image, each model's normalised input gradient
 * (grey = 0) and its large-ε targeted drawings toward every class, with the edge alignment
 * (correlation of |∇ₓL| with the image's Sobel edges) per model and image.
 */
function buildGradients(d: GradientsData): void {
  setState({ folder: d.folder });
  const px = (src: string, alt: string, cls = 'px') =>
    el('img', { class: cls, src, alt, draggable: 'false' });
  const table = el(
    'table',
    {
      class: 'data',
      id: 'edge-alignment',
      tabindex: '0',
      'aria-label': 'edge alignment per model',
    },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...[
          'model',
          'checkpoint',
          'mean edge alignment',
          ...Array.from({ length: d.n }, (_, i) => `image ${i}`),
        ].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      ...d.models.map((m) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, m.which),
          el('td', {}, m.checkpoint),
          el(
            'td',
            { 'data-cell': `${m.which}.mean`, 'data-value': String(m.edgeAlignment) },
            m.edgeAlignment.toFixed(3),
          ),
          ...m.perImage.map((v, i) =>
            el('td', { 'data-cell': `${m.which}.${i}`, 'data-value': String(v) }, v.toFixed(3)),
          ),
        ),
      ),
    ),
  );
  const rows = d.images.map((im, i) => {
    const ea = (w: string) => d.models.find((m) => m.which === w)?.perImage[i];
    const models = d.models.map((m) =>
      el(
        'div',
        { class: 'gr-model', 'data-which': m.which },
        el(
          'figure',
          {},
          px(im.gradient[m.which] ?? '', `${m.which} gradient of image ${i}`, 'px gr-map'),
          el(
            'figcaption',
            {},
            `${m.which} ∇ₓL`,
            el(
              'div',
              { class: 'ea', 'data-which': m.which, 'data-value': String(ea(m.which)) },
              `edge alignment ${ea(m.which)?.toFixed(3) ?? '—'}`,
            ),
          ),
        ),
        el(
          'div',
          { class: 'gr-targets', 'aria-label': `${m.which}: targeted toward each class` },
          ...(im.targeted[m.which] ?? []).map((src, t) =>
            el(
              'figure',
              {},
              px(src, `${m.which} image ${i} toward class ${t}`, 'px gr-target'),
              el('figcaption', {}, `→ ${t}`),
            ),
          ),
        ),
      ),
    );
    return el(
      'div',
      { class: 'gr-row', 'data-image': String(i) },
      el('figure', {}, px(im.image, `image ${i}`, 'px gr-map'), el('figcaption', {}, `image ${i}`)),
      ...models,
    );
  });
  app.replaceChildren(
    el(
      'div',
      { class: 'toolbar' },
      el('strong', {}, 'Gradient maps'),
      el('span', { class: 'muted', id: 'count' }, `${d.n} images · ${d.numClasses} classes`),
    ),
    el(
      'p',
      { class: 'muted' },
      `${d.folder}. Edge alignment: ${d.how}. Robust models' gradients and drawings should follow the object (higher alignment); standard models' look like noise.`,
    ),
    table,
    el('div', { class: 'toolbar' }, csvButton('edge-alignment', table)),
    ...rows,
  );
  document.body.dataset.gradients = String(d.n);
}

onThemeChange(() => {});
start((m) => {
  switch (m.type) {
    case 'gallery':
      build(m.data);
      return;
    case 'gradients':
      buildGradients(m.data);
      return;
    case 'saved':
      document.body.dataset.lastSaved = m.path;
      toast(`Saved ${m.path}`);
      return;
    case 'thumbs':
      onThumbs(m.thumbs);
      return;
    case 'error':
      showError(m.message);
      return;
    case 'results':
    case 'diff':
    case 'theory':
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
