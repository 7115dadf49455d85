/** The webview end of src/shared/webviewProtocol.ts: typed post, typed receive, saved state. */
import type { HostMessage, PanelState, WebviewMessage } from '../../src/shared/webviewProtocol';
import { errorMessage } from '../../src/shared/errorMessage';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(m: WebviewMessage): void {
  api.postMessage(m);
}

export function getState(): PanelState {
  return api.getState() ?? {};
}

export function setState(patch: PanelState): void {
  api.setState({ ...getState(), ...patch });
}

const KNOWN = new Set<HostMessage['type']>([
  'results',
  'gallery',
  'thumbs',
  'diff',
  'theory',
  'gradients',
  'saved',
  'error',
]);

/** Listens to the host, then says ready (the host holds its messages until then). */
export function start(handler: (m: HostMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    const d = e.data;
    if (
      typeof d !== 'object' ||
      d === null ||
      !KNOWN.has((d as { type: HostMessage['type'] }).type)
    )
      return;
    try {
      handler(d as HostMessage);
    } catch (err) {
      showError(errorMessage(err));
      post({ type: 'log', level: 'error', message: String(err) });
    }
  });
  window.addEventListener('error', (e) =>
    post({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }),
  );
  post({ type: 'ready' });
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export function showError(message: string): void {
  let box = document.getElementById('error');
  if (!box) {
    box = el('div', { id: 'error', role: 'alert', class: 'error' });
    document.body.prepend(box);
  }
  box.textContent = message;
}

export function toast(text: string): void {
  const t = el('div', { class: 'toast', role: 'status' }, text);
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}

export const pct = (x: number | undefined): string =>
  x !== undefined && Number.isFinite(x) ? (100 * x).toFixed(1) : '—';
