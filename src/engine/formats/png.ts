/**
 * PNG output for previews of datasets (constructed datasets ship with a grid of samples so
 * a user sees at a glance what D_R / D_NR / D_det images look like) and for single images
 * sent to the webview gallery.
 */
import { PNG } from 'pngjs';
import type { Dataset } from '../types';
import { writeFileAtomic } from './atomic';

/** Float pixels in [0,1] → bytes, clamped (attack outputs may sit a hair outside). */
function toByte(v: number): number {
  return v >= 1 ? 255 : v > 0 ? Math.round(v * 255) : 0; // NaN → 0
}

/**
 * Encodes one HWC image as an 8-bit PNG: grayscale for c = 1, RGB for c = 3, RGBA for c = 4.
 * Float32Array pixels are in [0,1]; Uint8Array pixels are 0..255.
 */
export function encodePng(
  pixels: Float32Array | Uint8Array,
  h: number,
  w: number,
  c: number,
): Buffer {
  if (c !== 1 && c !== 3 && c !== 4)
    throw new RangeError(`encodePng: ${c} channels (expected 1, 3 or 4)`);
  if (
    !Number.isInteger(h) ||
    !Number.isInteger(w) ||
    h <= 0 ||
    w <= 0 ||
    pixels.length !== h * w * c
  ) {
    throw new RangeError(`encodePng: ${pixels.length} values do not make a ${h}×${w}×${c} image`);
  }
  const data =
    pixels instanceof Uint8Array
      ? Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length)
      : Buffer.from(Uint8Array.from(pixels, toByte).buffer);
  // pngjs's colour types: 0 gray, 2 RGB, 6 RGBA. Input and output types equal → bytes go in unchanged.
  const colorType = c === 1 ? 0 : c === 3 ? 2 : 6;
  return PNG.sync.write({ width: w, height: h, data } as PNG, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: c === 4,
  });
}

export interface GridOptions {
  /** Pixels between tiles. Default 2. */
  pad?: number;
  /** Integer upscaling (nearest neighbour), so 28×28 tiles are not thumbnails. Default 1. */
  scale?: number;
  /** Background/padding gray level in [0,1]. Default 0.5. */
  background?: number;
}

/** Lays out images `indices` of `dataset` in a grid with `cols` columns and encodes it. */
export function encodePreviewGrid(
  dataset: Dataset,
  indices: readonly number[],
  cols: number,
  opts: GridOptions = {},
): Buffer {
  const [n, h, w, c] = dataset.shape;
  const pad = opts.pad ?? 2;
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(cols) || cols <= 0)
    throw new RangeError(`cols must be a positive integer, got ${cols}`);
  if (!Number.isInteger(scale) || scale <= 0 || !Number.isInteger(pad) || pad < 0) {
    throw new RangeError('scale must be a positive integer and pad a non-negative integer');
  }
  if (indices.length === 0) throw new RangeError('writePreviewGrid: no images to show');
  const rows = Math.ceil(indices.length / cols);
  const gridCols = Math.min(cols, indices.length);
  const th = h * scale;
  const tw = w * scale;
  const H = rows * th + (rows + 1) * pad;
  const W = gridCols * tw + (gridCols + 1) * pad;
  const out = new Uint8Array(H * W * c).fill(toByte(opts.background ?? 0.5));
  const per = h * w * c;
  indices.forEach((idx, k) => {
    if (!Number.isInteger(idx) || idx < 0 || idx >= n)
      throw new RangeError(`index ${idx} out of range for ${n} images`);
    const y0 = pad + Math.floor(k / cols) * (th + pad);
    const x0 = pad + (k % cols) * (tw + pad);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = idx * per + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const dst = ((y0 + y) * W + x0 + x) * c;
        for (let ch = 0; ch < c; ch++) out[dst + ch] = toByte(dataset.images[src + ch]!);
      }
    }
  });
  return encodePng(out, H, W, c);
}

/** Writes a preview grid PNG atomically. */
export function writePreviewGrid(
  file: string,
  dataset: Dataset,
  indices: readonly number[],
  cols: number,
  opts: GridOptions = {},
): void {
  writeFileAtomic(file, encodePreviewGrid(dataset, indices, cols, opts));
}
