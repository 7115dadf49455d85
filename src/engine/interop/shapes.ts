/** Image shapes in words, for options (`--shape 32x32x3`, `--size 32x32`) and messages. */

/** "HxWxC" (x, × or X) → [h, w, c] with c 1 or 3. */
export function parseHxWxC(text: string, flag: string): [number, number, number] {
  const parts = text.split(/[x×X]/).map((s) => Number(s.trim()));
  if (parts.length !== 3 || !parts.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`--${flag} must be HxWxC, e.g. 32x32x3 or 28x28x1, got '${text}'`);
  if (parts[2] !== 1 && parts[2] !== 3)
    throw new Error(`--${flag} ${text}: the channel count (last) must be 1 or 3`);
  return parts as [number, number, number];
}

/** "HxW" → [h, w]. */
export function parseHxW(text: string, flag: string): [number, number] {
  const parts = text.split(/[x×X]/).map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`--${flag} must be HxW in pixels, e.g. 32x32, got '${text}'`);
  return parts as [number, number];
}

/** [28, 28, 1] → "28×28×1". */
export function shapeWords(shape: readonly number[]): string {
  return shape.join('×');
}
