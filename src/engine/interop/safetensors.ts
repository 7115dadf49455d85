/**
 * The safetensors format (Hugging Face; what `safetensors.torch.save_file` writes and
 * `load_file` reads): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}` (padded with
 * spaces), then the tensors' raw little-endian bytes, back to back, offsets counted from the end
 * of the header.
 *
 * Written here rather than taken from npm: the only npm package of that name is a 0.0.1
 * placeholder and Hugging Face publishes no JavaScript reader/writer; the format is small
 * enough to read and write in full, with checks that name the file and what is wrong.
 */
import { DataFormatError } from '../formats/errors';
import { halfToFloat } from '../formats/npy';

export type SafeDtype =
  'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_SIZE: Record<SafeDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** One tensor as stored: raw little-endian bytes. */
export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** A float32 tensor as safetensors bytes (copied: the caller's array may be a view). */
export function f32Tensor(data: Float32Array, shape: number[]): SafeTensor {
  const bytes = new Uint8Array(data.length * 4);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i]!, true);
  return { dtype: 'F32', shape, bytes };
}

/** An int64 scalar or vector (PyTorch's BatchNorm `num_batches_tracked` is a 0-d int64). */
export function i64Tensor(values: number[], shape: number[]): SafeTensor {
  const bytes = new Uint8Array(values.length * 8);
  const dv = new DataView(bytes.buffer);
  values.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
  return { dtype: 'I64', shape, bytes };
}

/** Encodes tensors in insertion order; the header is padded to a multiple of 8 as the reference writer does. */
export function encodeSafetensors(
  tensors: Map<string, SafeTensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let at = 0;
  for (const [name, t] of tensors) {
    const need = t.shape.reduce((a, b) => a * b, 1) * DTYPE_SIZE[t.dtype];
    if (need !== t.bytes.length)
      throw new RangeError(
        `encodeSafetensors: '${name}' has ${t.bytes.length} bytes, shape [${t.shape.join(', ')}] of ${t.dtype} needs ${need}`,
      );
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + need] };
    at += need;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + at);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(t.bytes, pos);
    pos += t.bytes.length;
  }
  return out;
}

/** Decodes and checks a whole file. Throws DataFormatError naming `file`, nothing else. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const bad = (what: string): never => {
    // torch.save writes a zip ("PK\x03\x04") or, before PyTorch 1.6, a pickle (0x80, protocol
    // 2–5). Only checked once the file has failed as safetensors: a header length's low bytes
    // may look the same.
    const b = bytes;
    const zip = b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;
    const pickle = b[0] === 0x80 && (b[1] ?? 0) >= 2 && (b[1] ?? 0) <= 5;
    if (zip || pickle)
      throw new DataFormatError(
        file,
        'is a torch.save file (pickle), not safetensors: in Python, rfl_zoo.save_safetensors(path, model.state_dict()) writes one',
      );
    throw new DataFormatError(file, `not a valid safetensors file: ${what}`);
  };
  if (bytes.length < 8) bad(`${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8))
    bad(`header length ${n} runs past the end of the file (${bytes.length} bytes): truncated?`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)),
    );
  } catch (e) {
    bad(`the header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    bad('the header is not a JSON object');
  const dataLen = bytes.length - headerEnd;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const dtype = e?.dtype as SafeDtype;
    if (!e || !(typeof dtype === 'string' && dtype in DTYPE_SIZE))
      bad(
        `tensor '${name}' has dtype ${JSON.stringify(e?.dtype)} (read: ${Object.keys(DTYPE_SIZE).join(', ')})`,
      );
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      bad(`tensor '${name}' has shape ${JSON.stringify(shape)}, expected a list of sizes`);
    const off = e!.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[0] > off[1] ||
      off[1] > dataLen
    )
      bad(
        `tensor '${name}' has data_offsets ${JSON.stringify(off)} outside the ${dataLen} data bytes`,
      );
    const [begin, end] = off as [number, number];
    const need = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_SIZE[dtype];
    if (end - begin !== need)
      bad(
        `tensor '${name}' spans ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${need}`,
      );
    spans.push([begin, end, name]);
    tensors.set(name, {
      dtype,
      shape: shape as number[],
      bytes: bytes.slice(headerEnd + begin, headerEnd + end),
    });
  }
  // The format requires the tensors to tile the data exactly: a gap or overlap is corruption.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at)
      bad(`tensor '${name}' starts at byte ${begin}, expected ${at} (a gap or overlap)`);
    at = end;
  }
  if (at !== dataLen) bad(`the tensors cover ${at} of ${dataLen} data bytes (junk appended?)`);
  return { tensors, metadata };
}

/** Any float or integer tensor as float32 values (F16/BF16/F64 widened or narrowed). */
export function toFloat32(t: SafeTensor): Float32Array {
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const count = t.bytes.length / DTYPE_SIZE[t.dtype];
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (t.dtype) {
      case 'F32':
        out[i] = dv.getFloat32(4 * i, true);
        break;
      case 'F64':
        out[i] = dv.getFloat64(8 * i, true);
        break;
      case 'F16':
        out[i] = halfToFloat(dv.getUint16(2 * i, true));
        break;
      case 'BF16':
        out[i] = bf16ToFloat(dv.getUint16(2 * i, true));
        break;
      case 'I64':
        out[i] = Number(dv.getBigInt64(8 * i, true));
        break;
      case 'I32':
        out[i] = dv.getInt32(4 * i, true);
        break;
      case 'I16':
        out[i] = dv.getInt16(2 * i, true);
        break;
      case 'I8':
        out[i] = dv.getInt8(i);
        break;
      case 'U8':
      case 'BOOL':
        out[i] = dv.getUint8(i);
        break;
    }
  }
  return out;
}

const bfView = new DataView(new ArrayBuffer(4));
function bf16ToFloat(b: number): number {
  bfView.setUint32(0, b << 16);
  return bfView.getFloat32(0);
}
