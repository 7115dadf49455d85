/** Export buttons shared by the panels: a table as CSV, an inline SVG figure as SVG or PNG. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { el, post } from './api';

export function csvOf(table: HTMLTableElement): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    Array.from(table.rows)
      .map((r) =>
        Array.from(r.cells)
          .map((c) => q(c.textContent?.trim() ?? ''))
          .join(','),
      )
      .join('\n') + '\n'
  );
}

export function button(label: string, onClick: () => void, id?: string): HTMLElement {
  const b = el('vscode-button', { secondary: '', ...(id ? { id } : {}) }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function csvButton(id: string, table: HTMLTableElement): HTMLElement {
  return button(
    'Export CSV',
    () => post({ type: 'export', name: id, format: 'csv', data: csvOf(table) }),
    `${id}-csv`,
  );
}

/** An <svg> element as a standalone file. */
export function svgText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

/** The same <svg> drawn to a canvas (as an image from a blob: URL, allowed by the CSP) as PNG. */
export async function svgToPng(svg: SVGSVGElement, background: string, scale = 2): Promise<string> {
  const w = Number(svg.getAttribute('width'));
  const h = Number(svg.getAttribute('height'));
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be drawn'));
      img.src = url;
    });
    const canvas = el('canvas', { width: String(w * scale), height: String(h * scale) });
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL('image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
