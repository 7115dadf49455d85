/**
 * A gradients run (`robust-features gradients`, paper §4) for the gallery: metrics.json gives each
 * model's edge alignment per image; the pictures are the run's preview grids, cut back into
 * images. The grids are laid out by the engine's encodePreviewGrid (2-pixel padding, integer
 * upscaling): gradients-<which>.png is 2 rows × n (images, then normalised gradients, ×3),
 * targeted-<which>.png is n rows × classes (×2). A grid of another size is refused, not guessed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { GradientsData } from '../../shared/webviewProtocol';
import { pngDataUrl } from './datasets';

const PAD = 2;
const WHICH = ['standard', 'robust'] as const;

interface Metrics {
  how?: { images?: number; measure?: string };
  standard?: { checkpoint?: string; edgeAlignment?: number; perImage?: number[] };
  robust?: { checkpoint?: string; edgeAlignment?: number; perImage?: number[] };
}

export function isGradientsFolder(folder: string): boolean {
  return (
    fs.existsSync(path.join(folder, 'gradients-standard.png')) &&
    fs.existsSync(path.join(folder, 'metrics.json'))
  );
}

interface Grid {
  png: PNG;
  rows: number;
  cols: number;
  th: number;
  tw: number;
  scale: number;
  gray: boolean;
}

function grid(file: string, rows: number, cols: number, scale: number): Grid {
  const png = PNG.sync.read(fs.readFileSync(file));
  const th = (png.height - (rows + 1) * PAD) / rows;
  const tw = (png.width - (cols + 1) * PAD) / cols;
  if (!Number.isInteger(th) || !Number.isInteger(tw) || th % scale || tw % scale)
    throw new Error(
      `${file}: ${png.width}×${png.height} is not a ${rows}×${cols} grid of ×${scale} images with ${PAD}-pixel padding`,
    );
  let gray = true;
  for (let p = 0; p < png.width * png.height && gray; p++)
    gray = png.data[4 * p] === png.data[4 * p + 1] && png.data[4 * p] === png.data[4 * p + 2];
  return { png, rows, cols, th, tw, scale, gray };
}

/** Cell (r, c) at the image's own resolution, as a PNG data URL. */
function cell(g: Grid, r: number, c: number): string {
  const h = g.th / g.scale;
  const w = g.tw / g.scale;
  const ch = g.gray ? 1 : 3;
  const out = new Uint8Array(h * w * ch);
  const y0 = PAD + r * (g.th + PAD);
  const x0 = PAD + c * (g.tw + PAD);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = 4 * ((y0 + y * g.scale) * g.png.width + x0 + x * g.scale);
      for (let k = 0; k < ch; k++) out[(y * w + x) * ch + k] = g.png.data[src + k]!;
    }
  return pngDataUrl(out, h, w, ch);
}

export function readGradientsFolder(folder: string): GradientsData {
  const m = JSON.parse(fs.readFileSync(path.join(folder, 'metrics.json'), 'utf8')) as Metrics;
  const n = m.how?.images ?? m.standard?.perImage?.length ?? 0;
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${folder}/metrics.json: no image count (how.images)`);
  const grads = Object.fromEntries(
    WHICH.map((w) => [w, grid(path.join(folder, `gradients-${w}.png`), 2, n, 3)]),
  );
  // The class count is the targeted grid's column count: its width is C·(2h) + (C+1)·pad.
  const h = grads.standard!.th / 3;
  const tPng = PNG.sync.read(fs.readFileSync(path.join(folder, 'targeted-standard.png')));
  const numClasses = (tPng.width - PAD) / (2 * h + PAD);
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new Error(`${folder}/targeted-standard.png: width ${tPng.width} fits no class count`);
  const targeted = Object.fromEntries(
    WHICH.map((w) => [w, grid(path.join(folder, `targeted-${w}.png`), n, numClasses, 2)]),
  );
  return {
    folder,
    n,
    numClasses,
    how: m.how?.measure ?? '',
    models: WHICH.map((w) => ({
      which: w,
      checkpoint: m[w]?.checkpoint ?? '',
      edgeAlignment: m[w]?.edgeAlignment ?? NaN,
      perImage: m[w]?.perImage ?? [],
    })),
    images: Array.from({ length: n }, (_, i) => ({
      image: cell(grads.standard!, 0, i),
      gradient: Object.fromEntries(WHICH.map((w) => [w, cell(grads[w]!, 1, i)])),
      targeted: Object.fromEntries(
        WHICH.map((w) => [
          w,
          Array.from({ length: numClasses }, (_, t) => cell(targeted[w]!, i, t)),
        ]),
      ),
    })),
  };
}
