/**
 * A measure that makes "gradients of robust models are more interpretable" (paper §4) checkable:
 * the Pearson correlation, per image, between |∇ₓL| and the image's edge magnitude (Sobel), averaged
 * over images. Perceptually aligned gradients concentrate on the object's outline; noisy ones do not.
 */
import { pearsonR } from '../transfer/correlation';

/** Sobel gradient magnitude of one H×W×C image (channels averaged first), zero at the border. */
export function sobelMagnitude(img: Float32Array, h: number, w: number, c: number): Float32Array {
  const gray = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += img[p * c + k] as number;
    gray[p] = s / c;
  }
  const at = (y: number, x: number) => gray[y * w + x] as number;
  const out = new Float32Array(h * w);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const gx =
        at(y - 1, x + 1) +
        2 * at(y, x + 1) +
        at(y + 1, x + 1) -
        at(y - 1, x - 1) -
        2 * at(y, x - 1) -
        at(y + 1, x - 1);
      const gy =
        at(y + 1, x - 1) +
        2 * at(y + 1, x) +
        at(y + 1, x + 1) -
        at(y - 1, x - 1) -
        2 * at(y - 1, x) -
        at(y - 1, x + 1);
      out[y * w + x] = Math.hypot(gx, gy);
    }
  }
  return out;
}

/** Pearson correlation of two equally long vectors; 0 when either is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const r = pearsonR(a, b);
  return Number.isNaN(r) ? 0 : r;
}

/** Mean over images of corr(|gradient| summed over channels, Sobel edges of the image). */
export function edgeAlignment(
  images: Float32Array,
  grads: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
): { mean: number; perImage: number[] } {
  const size = h * w * c;
  const perImage: number[] = [];
  for (let i = 0; i < n; i++) {
    const img = images.subarray(i * size, (i + 1) * size);
    const g = grads.subarray(i * size, (i + 1) * size);
    const mag = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++)
      for (let k = 0; k < c; k++) mag[p] = (mag[p] as number) + Math.abs(g[p * c + k] as number);
    perImage.push(pearson(mag, sobelMagnitude(img, h, w, c)));
  }
  return { mean: perImage.reduce((s, x) => s + x, 0) / Math.max(1, n), perImage };
}
