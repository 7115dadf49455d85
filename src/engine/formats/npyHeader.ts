/**
 * The .npy header text: a Python dict literal with the keys descr, fortran_order and shape,
 * padded so that the data starts on a 64-byte boundary. Written exactly as numpy 1.24 writes
 * it (the tests compare bytes), so files we write are indistinguishable from np.save's.
 */
import { DataFormatError } from './errors';

/**
 * The header is a Python dict literal, e.g. `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 28, 28, 1), }`. numpy itself uses ast.literal_eval; three targeted patterns
 * are enough for the keys it always writes (and a structured dtype's list descr fails the
 * descr pattern, which is the error we want).
 */
export function parseHeaderDict(
  header: string,
  file: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const h = header.trim();
  const bad = (what: string): never => {
    throw new DataFormatError(file, `bad .npy header ${JSON.stringify(h.slice(0, 120))}: ${what}`);
  };
  if (!h.startsWith('{') || !h.endsWith('}')) bad('not a dict literal');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(h)?.[1];
  if (descr === undefined) {
    if (/['"]descr['"]\s*:\s*\[/.test(h)) {
      throw new DataFormatError(
        file,
        'unsupported dtype: structured arrays (record dtypes) are not supported',
      );
    }
    bad("no 'descr' string");
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(h)?.[1];
  if (fortran === undefined) bad("no 'fortran_order' True/False");
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(h)?.[1];
  if (shapeText === undefined) bad("no 'shape' tuple");
  const parts = shapeText!.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // "(3,)"
  if (parts.length === 1 && parts[0] === '') parts.pop(); // "()"
  const shape = parts.map((p) => {
    const m = /^(\d+)L?$/.exec(p); // "L": Python 2 longs, still found in old files
    const v = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(v)) bad(`shape entry '${p}' is not a non-negative integer`);
    return v;
  });
  return { descr: descr!, fortran: fortran === 'True', shape };
}

/** `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` plus numpy's growth padding. */
export function formatHeaderDict(descr: string, shape: readonly number[]): string {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  // numpy ≥1.21 leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS = 21).
  return shape.length > 0 ? dict + ' '.repeat(Math.max(0, 21 - String(shape[0]).length)) : dict;
}

/** Spaces then "\n" so that magic + version + length + header is a multiple of 64 (numpy's ARRAY_ALIGN). */
export function padHeader(dict: string, prefix: number): string {
  // Like numpy, an already aligned header still gets a full 64 spaces (padlen is never 0).
  const padLen = 64 - ((prefix + dict.length + 1) % 64);
  return dict + ' '.repeat(padLen) + '\n';
}
