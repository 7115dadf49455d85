/**
 * Reading files into bytes with errors that name the file. Parsers work on bytes (so that
 * they can be fuzzed without touching the disk); this is the only place that touches fs
 * for them, and the only place that knows about gzip.
 */
import { promises as fsp } from 'node:fs';
import { gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { DataFormatError } from './errors';
import { errorMessage } from '../../shared/errorMessage';

const gunzipAsync = promisify(gunzip);

/** Refuse to inflate past this: a corrupt or hostile .gz must not exhaust memory. */
const MAX_INFLATED = 4 * 1024 ** 3 - 1;

/** Reads a whole file; missing / unreadable files become DataFormatError naming the file. */
export async function readFileBytes(file: string): Promise<Uint8Array> {
  try {
    return await fsp.readFile(file);
  } catch (e) {
    throw new DataFormatError(file, describeFsError(e), { cause: e });
  }
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'is a file, expected a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links (a symlink loop)',
  ENAMETOOLONG: 'path too long',
};

/** Node's fs errors in words (the code alone, e.g. ENOENT, means little to many users). */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && FS_PROBLEMS[code]) ?? `cannot read: ${errorMessage(e)}`;
}

/** gzip is detected by its magic bytes 1f 8b, not by the file name: renamed files are common. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates gzip data (sync; used by parsers and fuzz tests); raw bytes pass through. */
export function maybeGunzipSync(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    throw gzipError(file, e);
  }
}

/** Same, off the main thread, so that a worker stays responsive while loading 26 MB .gz files. */
export async function maybeGunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    throw gzipError(file, e);
  }
}

function gzipError(file: string, e: unknown): DataFormatError {
  const msg = errorMessage(e);
  // zlib reports a cut-off download as Z_BUF_ERROR "unexpected end of file".
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const what = code === 'Z_BUF_ERROR' ? 'truncated gzip data' : 'corrupt gzip data';
  return new DataFormatError(file, `${what} (${msg})`, { cause: e });
}
