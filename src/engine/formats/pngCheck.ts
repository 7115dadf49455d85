/**
 * A structural check of PNG and JPEG bytes before they reach pngjs / jpeg-js. Those decoders
 * report a cut-off file as "There are some read requests waiting on finished stream" and an
 * invalid colour type as "unrecognised content at end of stream": true, but no help to a user
 * with a broken download. Walking the chunks first lets the message say what is wrong
 * (truncated, corrupt checksum, unsupported mode) and where (the chunk and byte offset).
 * PNG layout: https://www.w3.org/TR/png/#5DataRep (signature, then length·type·data·CRC chunks).
 */
import { DataFormatError, bytesWord } from './errors';

/** Valid bit depths per colour type (PNG spec table 11.1). */
const MODES: Record<number, { name: string; depths: number[] }> = {
  0: { name: 'grayscale', depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', depths: [8, 16] },
  3: { name: 'palette', depths: [1, 2, 4, 8] },
  4: { name: 'grayscale+alpha', depths: [8, 16] },
  6: { name: 'RGBA', depths: [8, 16] },
};

/** Refuse images past this before any pixel buffer is allocated (a corrupt header can ask for 2^62). */
export const MAX_IMAGE_PIXELS = 50_000_000;

let table: Uint32Array | undefined;
function crc32(b: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = table[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const chunkName = (b: Uint8Array, at: number): string =>
  String.fromCharCode(...b.subarray(at, at + 4)).replace(/[^\x20-\x7e]/g, '?');

/** Throws DataFormatError naming `file` unless the PNG's chunk structure and IHDR are sound. */
export function checkPngStructure(b: Uint8Array, file: string): { width: number; height: number } {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  let ihdr: { width: number; height: number } | undefined;
  let sawData = false;
  for (;;) {
    if (at + 8 > b.length) {
      throw new DataFormatError(
        file,
        `truncated PNG: the file ends after ${bytesWord(b.length)}, before the IEND chunk`,
      );
    }
    const len = view.getUint32(at);
    const type = chunkName(b, at + 4);
    if (at + 12 + len > b.length) {
      throw new DataFormatError(
        file,
        `truncated PNG: chunk '${type}' at byte ${at} needs ${bytesWord(12 + len)} but the file ends after ${bytesWord(b.length)}`,
      );
    }
    const crc = view.getUint32(at + 8 + len);
    if (crc32(b.subarray(at + 4, at + 8 + len)) !== crc) {
      throw new DataFormatError(
        file,
        `corrupt PNG: checksum (CRC) of chunk '${type}' at byte ${at} does not match its data`,
      );
    }
    if (!ihdr) {
      if (type !== 'IHDR' || len !== 13)
        throw new DataFormatError(file, `corrupt PNG: first chunk is '${type}', expected IHDR`);
      ihdr = checkIhdr(view, at + 8, file);
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') break;
    at += 12 + len;
  }
  if (!sawData) throw new DataFormatError(file, 'corrupt PNG: no image data (IDAT chunk)');
  return ihdr;
}

function checkIhdr(view: DataView, at: number, file: string): { width: number; height: number } {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const depth = view.getUint8(at + 8);
  const colorType = view.getUint8(at + 9);
  const interlace = view.getUint8(at + 12);
  if (width === 0 || height === 0)
    throw new DataFormatError(file, `bad PNG size ${width}×${height}: both must be at least 1`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DataFormatError(
      file,
      `PNG of ${width}×${height} pixels is larger than the ${MAX_IMAGE_PIXELS / 1e6} MP this tool loads`,
    );
  }
  const mode = MODES[colorType];
  if (!mode) {
    throw new DataFormatError(
      file,
      `unsupported PNG mode: colour type ${colorType} does not exist (valid: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)`,
    );
  }
  if (!mode.depths.includes(depth)) {
    throw new DataFormatError(
      file,
      `unsupported PNG mode: ${depth}-bit ${mode.name} is not a valid combination (${mode.name} allows ${mode.depths.join(', ')} bits)`,
    );
  }
  if (view.getUint8(at + 10) !== 0 || view.getUint8(at + 11) !== 0 || interlace > 1) {
    throw new DataFormatError(
      file,
      'unsupported PNG mode: unknown compression, filter or interlace method in IHDR',
    );
  }
  return { width, height };
}

/**
 * JPEG entropy-coded data escapes every 0xFF byte, so the end-of-image marker FF D9 appears only
 * as a marker: a file without it was cut off (the usual broken-download case).
 */
export function checkJpegEnd(b: Uint8Array, file: string): void {
  for (let i = b.length - 2; i >= 2; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return;
  throw new DataFormatError(
    file,
    `truncated JPEG: no end-of-image marker (FF D9) in ${bytesWord(b.length)}`,
  );
}
