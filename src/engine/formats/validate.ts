/** Checks on an in-memory Dataset before it is written (or trusted after reading). */
import type { Dataset } from '../types';
import { DataFormatError } from './errors';
import { firstBadLabel } from './raw';

/** Throws DataFormatError (naming `file`) unless sizes agree, labels are in range, pixels finite in [0,1]. */
export function validateDataset(d: Dataset, file: string): void {
  const [n, h, w, c] = d.shape;
  if (![n, h, w, c].every((x) => Number.isInteger(x) && x >= 0) || h * w * c === 0) {
    throw new DataFormatError(file, `bad shape [${d.shape.join(', ')}]`);
  }
  if (d.images.length !== n * h * w * c) {
    throw new DataFormatError(
      file,
      `shape [${d.shape.join(', ')}] needs ${n * h * w * c} pixels, images has ${d.images.length}`,
    );
  }
  if (d.labels.length !== n) {
    throw new DataFormatError(
      file,
      `label count ${d.labels.length} does not match image count ${n}`,
    );
  }
  checkPixels(d.images, h * w * c, file);
  const bad = firstBadLabel(d.labels, d.numClasses);
  if (bad >= 0)
    throw new DataFormatError(
      file,
      `label ${d.labels[bad]} at index ${bad} is not in [0, ${d.numClasses})`,
    );
}

/** NaN / Infinity / out-of-range pixels mean a bug upstream (e.g. a diverged attack): refuse them. */
export function checkPixels(px: Float32Array, per: number, file: string): void {
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    if (v >= 0 && v <= 1) continue;
    const where = `pixel ${i} (image ${Math.floor(i / per)})`;
    throw new DataFormatError(
      file,
      Number.isNaN(v)
        ? `${where} is NaN`
        : !Number.isFinite(v)
          ? `${where} is ${v}`
          : `${where} is ${v}, outside [0, 1]`,
    );
  }
}
