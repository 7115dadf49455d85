/**
 * --layout, --classes and --size, taken by every command that takes --data (or --dataset): they
 * become options of the dataset spec (spec.ts), so that a checkpoint's manifest records a spec
 * that loads the same data again.
 */
import type { Options } from './args';
import { withSpecOptions } from '../engine/formats/load';
import { parseHxW } from '../engine/interop/shapes';

export const dataFlags = {
  layout: { type: 'string' },
  classes: { type: 'string' },
  size: { type: 'string' },
} as const satisfies Options;

export const DATA_FLAGS_HELP =
  'With --data: --layout nchw|nhwc and --classes N for npy: arrays, --size HxW to resize folder: images.';

/** Folds the data flags into values.data / values.dataset (in place). */
export function applyDataFlags(values: Record<string, unknown>): void {
  const { layout, classes, size } = values as { layout?: string; classes?: string; size?: string };
  if (layout === undefined && classes === undefined && size === undefined) return;
  if (layout !== undefined && layout !== 'nchw' && layout !== 'nhwc')
    throw new Error(`--layout must be nchw or nhwc, got '${layout}'`);
  const n = classes === undefined ? undefined : Number(classes);
  if (n !== undefined && !(Number.isInteger(n) && n >= 2))
    throw new Error(`--classes must be a whole number ≥ 2, got '${classes}'`);
  const key = typeof values.data === 'string' ? 'data' : 'dataset';
  const spec = values[key];
  if (typeof spec !== 'string')
    throw new Error('--layout, --classes and --size describe the --data dataset: give --data SPEC');
  values[key] = withSpecOptions(spec, {
    ...(layout ? { layout: layout } : {}),
    ...(n !== undefined ? { classes: n } : {}),
    ...(size !== undefined ? { size: parseHxW(size, 'size') } : {}),
  });
}
