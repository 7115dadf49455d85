/**
 * Images from a foreign .npy (np.save of a numpy array or a PyTorch tensor) into the engine's
 * layout: NHWC pixels, uint8 0..255 or float32 in [0, 1]. Each conversion made is returned in
 * words, for the manifest of whatever is trained or built on the data.
 */
import { DataFormatError } from './errors';
import type { NpyArray } from './npy';
import { checkPixels } from './validate';

export type Layout = 'nchw' | 'nhwc';

export interface NhwcImages {
  pixels: Uint8Array | Float32Array;
  shape: [number, number, number, number];
  conversions: string[];
}

const isChannels = (d: number | undefined): boolean => d === 1 || d === 3;

/**
 * Which axis order a 4-D shape is in: `layout` (from --layout or manifest.json) if given, else
 * the one reading whose channel axis is 1 or 3. Refuses a shape both readings fit, naming both.
 */
export function detectLayout(shape: readonly number[], file: string, layout?: Layout): Layout {
  const [n, a, b, c] = shape as [number, number, number, number];
  if (layout === 'nchw' && !isChannels(a))
    throw new DataFormatError(
      file,
      `shape (${shape.join(', ')}) read as NCHW has ${a} channels; images need 1 or 3 (is the layout nhwc?)`,
    );
  if (layout === 'nhwc' && !isChannels(c))
    throw new DataFormatError(
      file,
      `shape (${shape.join(', ')}) read as NHWC has ${c} channels; images need 1 or 3 (is the layout nchw?)`,
    );
  if (layout) return layout;
  if (isChannels(a) && isChannels(c))
    throw new DataFormatError(
      file,
      `shape (${shape.join(', ')}) is ambiguous: as NCHW it is ${n} images of ${b}×${c} with ${a} channel(s), as NHWC ${n} images of ${a}×${b} with ${c} channel(s). Pass --layout nchw or --layout nhwc (or write "layout" into manifest.json)`,
    );
  if (isChannels(a)) return 'nchw';
  if (isChannels(c)) return 'nhwc';
  throw new DataFormatError(
    file,
    `shape (${shape.join(', ')}) has no channel axis of 1 or 3: expected (n, channels, height, width) NCHW or (n, height, width, channels) NHWC with 1 (gray) or 3 (RGB) channels`,
  );
}

function nchwToNhwc<T extends Uint8Array | Float32Array>(src: T, [n, c, h, w]: number[]): T {
  const out = new (src.constructor as new (k: number) => T)(src.length);
  for (let i = 0; i < n!; i++)
    for (let k = 0; k < c!; k++)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++)
          out[((i * h! + y) * w! + x) * c! + k] = src[((i * c! + k) * h! + y) * w! + x]!;
  return out;
}

/** NHWC pixels from an images .npy: layout settled, dtype made uint8 or float32, range checked. */
export function toNhwcImages(img: NpyArray, file: string, layout?: Layout): NhwcImages {
  const conversions: string[] = [];
  let pixels: Uint8Array | Float32Array;
  switch (img.dtype) {
    case 'uint8':
      pixels = img.data as Uint8Array;
      conversions.push(`${file}: uint8 0–255 scaled to [0, 1] (÷255)`);
      break;
    case 'bool':
      // False/True are pixel values 0 and 1, not 0 and 1/255.
      pixels = Float32Array.from(img.data as Uint8Array);
      conversions.push(`${file}: bool read as 0 and 1`);
      break;
    case 'float32':
    case 'float16':
    case 'float64':
      pixels = img.data as Float32Array;
      if (img.dtype !== 'float32') conversions.push(`${file}: ${img.dtype} converted to float32`);
      break;
    case 'int32':
    case 'int64':
      throw new DataFormatError(
        file,
        `wrong dtype ${img.dtype}: images must be uint8 (0..255), bool, or float16/32/64 (0..1)`,
      );
  }
  // [n, h, w] is accepted as grayscale: what `np.save` of an MNIST-like array gives.
  const s = img.shape.length === 3 ? [...img.shape, 1] : img.shape;
  if (s.length !== 4 || s.slice(1).some((d) => d === 0)) {
    throw new DataFormatError(
      file,
      `bad shape (${img.shape.join(', ')}): expected (n, height, width, channels) NHWC or (n, channels, height, width) NCHW`,
    );
  }
  if (s[0] === 0) throw new DataFormatError(file, 'contains no images');
  const order = img.shape.length === 3 ? 'nhwc' : detectLayout(s, file, layout);
  let shape = s as [number, number, number, number];
  if (order === 'nchw') {
    pixels = nchwToNhwc(pixels, shape);
    shape = [shape[0], shape[2], shape[3], shape[1]];
    conversions.push(`${file}: NCHW (${s.join(', ')}) transposed to NHWC`);
  }
  if (pixels instanceof Float32Array) {
    try {
      checkPixels(pixels, shape[1] * shape[2] * shape[3], file);
    } catch (e) {
      const max = pixels.reduce((m, v) => (v > m ? v : m), 0);
      if (e instanceof DataFormatError && max > 1 && max <= 255)
        throw new DataFormatError(
          file,
          `${e.problem}: float pixels must be in [0, 1]; these look like 0–255 values (max ${max}): divide by 255, or save them as uint8 (x.astype(np.uint8))`,
        );
      throw e;
    }
  }
  return { pixels, shape, conversions };
}
