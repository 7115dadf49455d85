/**
 * --layout, --classes and --size, taken by every verb whose table has --data (or --dataset): they
 * become options of the dataset spec (spec.ts), so that a checkpoint's manifest records a spec
 * that loads the same data again.
 */
import type { OptionTable } from './options';
import { withSpecOptions } from '../engine/formats/load';
import { parseHxW } from '../engine/interop/shapes';

export const DATA_OPTIONS = {
  layout: {
    kind: 'string',
    choices: ['nchw', 'nhwc'],
    help: 'npy: arrays only: the axis order, when the shape fits both readings',
  },
  classes: {
    kind: 'int',
    arg: 'N',
    min: 2,
    help: 'npy: arrays only: the class count (never read from the largest label)',
  },
  size: { kind: 'string', arg: 'HxW', help: 'folder: images only: resize every image to HxW' },
} as const satisfies OptionTable;

/** Whether a verb's table takes a dataset, and with it the data options. */
export function takesData(table: OptionTable): boolean {
  return 'data' in table || 'dataset' in table;
}

export const NO_DATA_SPEC =
  '--layout, --classes and --size describe the --data dataset: give --data SPEC';

/**
 * Folds the data options into values.data / values.dataset (in place). Returns false, changing
 * nothing, when a data option is given without a dataset spec to fold it into.
 */
export function applyDataFlags(values: Record<string, unknown>): boolean {
  const { layout, classes, size } = values as { layout?: string; classes?: number; size?: string };
  if (layout === undefined && classes === undefined && size === undefined) return true;
  const key = typeof values.data === 'string' ? 'data' : 'dataset';
  const spec = values[key];
  if (typeof spec !== 'string') return false;
  values[key] = withSpecOptions(spec, {
    ...(layout ? { layout: layout as 'nchw' | 'nhwc' } : {}),
    ...(classes !== undefined ? { classes } : {}),
    ...(size !== undefined ? { size: parseHxW(size, 'size') } : {}),
  });
  return true;
}
