/**
 * Weight layouts between TF.js and PyTorch: conv kernels HWIO ↔ OIHW, dense kernels (in, out) ↔
 * (out, in), and the row order of a dense layer fed by a flatten: TF.js flattens an NHWC
 * activation as (h, w, c), PyTorch an NCHW one as (c, h, w).
 */

/** tfjs HWIO → torch OIHW. */
export function hwioToOihw(src: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh!; y++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++)
          out[((o * ci! + i) * kh! + y) * kw! + x] = src[((y * kw! + x) * ci! + i) * co! + o]!;
  return out;
}

export function oihwToHwio(src: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh!; y++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++)
          out[((y * kw! + x) * ci! + i) * co! + o] = src[((o * ci! + i) * kh! + y) * kw! + x]!;
  return out;
}

/** For tfjs input row r: the torch input column (NHWC (h,w,c) flatten → NCHW (c,h,w) flatten). */
export function flattenPerm(from: [number, number, number] | undefined, rows: number): Int32Array {
  const perm = new Int32Array(rows);
  if (!from) {
    for (let r = 0; r < rows; r++) perm[r] = r;
    return perm;
  }
  const [h, w, c] = from;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) perm[(y * w + x) * c + ch] = (ch * h + y) * w + x;
  return perm;
}

/** tfjs (in, out) → torch (out, in), rows permuted for a flatten. */
export function denseToTorch(
  src: Float32Array,
  [ni, no]: number[],
  perm: Int32Array,
): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < ni!; r++)
    for (let o = 0; o < no!; o++) out[o * ni! + perm[r]!] = src[r * no! + o]!;
  return out;
}

export function denseFromTorch(
  src: Float32Array,
  [ni, no]: number[],
  perm: Int32Array,
): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < ni!; r++)
    for (let o = 0; o < no!; o++) out[r * no! + o] = src[o * ni! + perm[r]!]!;
  return out;
}
