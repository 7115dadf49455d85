/**
 * NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
 * the format of constructed datasets so that numpy / PyTorch users load them in one line.
 * Layout: "\x93NUMPY", major, minor, header length (uint16 LE in v1.0, uint32 LE in v2/3),
 * an ASCII (v3: UTF-8) Python dict literal padded with spaces and "\n", then the raw data.
 * We read v1–v3 with dtypes |u1 |b1 <f2 <f4 <f8 <i4 <i8 in C order (float16 and float64 come
 * back as float32, bool as 0/1 bytes, int64 narrowed to int32), and write |u1 <f4 <i4 <i8 as
 * v1.0 byte-for-byte as numpy 1.24 does (tests compare against numpy when it is installed).
 */
import { writeFileAtomicAsync } from './atomic';
import { DataFormatError, bytesWord } from './errors';
import { formatHeaderDict, padHeader, parseHeaderDict } from './npyHeader';

export type NpyDtype = 'uint8' | 'bool' | 'float16' | 'float32' | 'float64' | 'int32' | 'int64';
export type NpyData = Uint8Array | Float32Array | Int32Array;

export interface NpyArray {
  /**
   * The dtype stored in the file. int64 data is returned narrowed to Int32Array, float16 and
   * float64 as Float32Array, bool as a Uint8Array of 0 and 1.
   */
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Record<string, { dtype: NpyDtype; size: number }> = {
  '|u1': { dtype: 'uint8', size: 1 },
  '<u1': { dtype: 'uint8', size: 1 },
  '|b1': { dtype: 'bool', size: 1 },
  '<f2': { dtype: 'float16', size: 2 },
  '<f4': { dtype: 'float32', size: 4 },
  '<f8': { dtype: 'float64', size: 8 },
  '<i4': { dtype: 'int32', size: 4 },
  '<i8': { dtype: 'int64', size: 8 },
};

// Typed arrays use host byte order; .npy data here is little-endian.
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses .npy bytes. Throws DataFormatError, nothing else. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    const head = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataFormatError(
      file,
      bytes.length < 10
        ? `truncated: ${bytesWord(bytes.length)}, too short for a .npy header`
        : `wrong magic bytes ${head}, expected 93 4e 55 4d 50 59 ("\\x93NUMPY"): not a .npy file`,
    );
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) {
    throw new DataFormatError(
      file,
      `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) {
    throw new DataFormatError(
      file,
      `truncated: ${bytesWord(bytes.length)}, too short for a v${major}.0 header`,
    );
  }
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenSize + headerLen;
  if (dataStart > bytes.length) {
    throw new DataFormatError(
      file,
      `truncated: header length ${headerLen} runs past the end of the file (${bytesWord(bytes.length)})`,
    );
  }
  const headerBytes = bytes.subarray(8 + lenSize, dataStart);
  const header =
    major === 3
      ? new TextDecoder('utf-8').decode(headerBytes)
      : new TextDecoder('latin1').decode(headerBytes);
  const { descr, fortran, shape } = parseHeaderDict(header, file);
  const info = DESCR[descr];
  if (!info) {
    throw new DataFormatError(
      file,
      `unsupported dtype '${descr}' (supported: ${Object.keys(DESCR).join(', ')})`,
    );
  }
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    // 1-D (or effectively 1-D) arrays are the same in both orders; anything else is not.
    throw new DataFormatError(
      file,
      'fortran_order is True: only C-order arrays are supported (use np.ascontiguousarray)',
    );
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * info.size;
  const have = bytes.length - dataStart;
  if (have !== need) {
    const says = `shape (${shape.join(', ')}) of ${descr} needs ${bytesWord(need)} of data`;
    throw new DataFormatError(
      file,
      have < need
        ? `truncated: ${says} but the file has ${bytesWord(have)}`
        : `${says} but the file has ${bytesWord(have)} (${have - need} extra)`,
    );
  }
  // Copy into a fresh, aligned buffer: the data offset need not be a multiple of 4.
  // (Not bytes.slice: on a Buffer that is a view into a shared pool, not a copy.)
  const raw = new Uint8Array(need);
  raw.set(bytes.subarray(dataStart, dataStart + need));
  if (!HOST_LE && info.size > 1) swapBytes(raw, info.size);
  switch (info.dtype) {
    case 'uint8':
      return { dtype: 'uint8', shape, data: raw };
    case 'bool':
      // numpy stores True as 1 but reads any non-zero byte as True.
      return { dtype: 'bool', shape, data: raw.map((b) => (b ? 1 : 0)) };
    case 'float16': {
      const half = new Uint16Array(raw.buffer, 0, count);
      return { dtype: 'float16', shape, data: Float32Array.from(half, halfToFloat) };
    }
    case 'float64':
      // Pixels in [0, 1] and weights need no more than float32 (the engine computes in it).
      return {
        dtype: 'float64',
        shape,
        data: Float32Array.from(new Float64Array(raw.buffer, 0, count)),
      };
    case 'float32':
      return { dtype: 'float32', shape, data: new Float32Array(raw.buffer, 0, count) };
    case 'int32':
      return { dtype: 'int32', shape, data: new Int32Array(raw.buffer, 0, count) };
    case 'int64':
      return {
        dtype: 'int64',
        shape,
        data: narrowInt64(new BigInt64Array(raw.buffer, 0, count), file),
      };
  }
}

/** numpy's default integer is int64; labels fit in int32, anything else is an error. */
function narrowInt64(big: BigInt64Array, file: string): Int32Array {
  const out = new Int32Array(big.length);
  for (let i = 0; i < big.length; i++) {
    const v = big[i]!;
    if (v < -2147483648n || v > 2147483647n) {
      throw new DataFormatError(file, `int64 value ${v} at index ${i} does not fit in int32`);
    }
    out[i] = Number(v);
  }
  return out;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const WRITE_DESCR = { uint8: '|u1', float32: '<f4', int32: '<i4', int64: '<i8' } as const;

/**
 * Encodes an array as .npy v1.0 (v2.0 only if the header cannot fit), exactly as numpy does.
 * A BigInt64Array is written as int64: the label dtype PyTorch's losses want.
 */
export function encodeNpy(data: NpyData | BigInt64Array, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== data.length) {
    throw new RangeError(
      `encodeNpy: shape (${shape.join(', ')}) does not match ${data.length} elements`,
    );
  }
  const descr =
    data instanceof Uint8Array
      ? WRITE_DESCR.uint8
      : data instanceof Float32Array
        ? WRITE_DESCR.float32
        : data instanceof BigInt64Array
          ? WRITE_DESCR.int64
          : WRITE_DESCR.int32;
  const dict = formatHeaderDict(descr, shape);
  let major = 1;
  let prefix = 10;
  let padded = padHeader(dict, prefix);
  if (padded.length > 0xffff) {
    major = 2;
    prefix = 12;
    padded = padHeader(dict, prefix);
  }
  const out = Buffer.alloc(prefix + padded.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (major === 1) out.writeUInt16LE(padded.length, 8);
  else out.writeUInt32LE(padded.length, 8);
  out.write(padded, prefix, 'latin1');
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const at = prefix + padded.length;
  out.set(body, at);
  if (!HOST_LE && data.BYTES_PER_ELEMENT > 1) swapBytes(out.subarray(at), data.BYTES_PER_ELEMENT);
  return out;
}

/** Writes an .npy file atomically. */
export function writeNpy(
  file: string,
  data: NpyData | BigInt64Array,
  shape: readonly number[],
): Promise<void> {
  return writeFileAtomicAsync(file, encodeNpy(data, shape));
}
