/**
 * Atomic file writes for every artifact the project produces (docs/ARCHITECTURE.md, "File
 * formats"). A run killed mid-write (cancel, crash, power loss) must leave either the old
 * file or the new one, never a half-written .npy or manifest that a later step trusts.
 *
 * Recipe: write a temp file in the same folder (rename is only atomic within one file
 * system), fsync it (so the rename cannot land before the data), rename over the target,
 * then fsync the folder (so the rename itself survives a crash; best effort, some file
 * systems and Windows refuse to open folders).
 */
import {
  promises as fsp,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Whatever callers have at hand: encoded files, tfjs weight buffers, JSON text. */
export type FileData = ArrayBufferView | ArrayBuffer | string;

function toBytes(data: FileData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tempName(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  // Dot-prefixed so that watchers and globs skip it; pid + random so concurrent writers don't clash.
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Temp files of `target` left by processes that died mid-write (SIGKILL: no cleanup ran). With
 * a pool of threads, a kill that lands in one thread can catch another between creating its
 * temp file and renaming it; the rerun writes the file again, and removes such orphans then.
 * Only other, dead processes' temps: this process's threads, or a live process, may be writing.
 */
function removeOrphanTemps(target: string): void {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(n.slice(prefix.length));
    const pid = m ? Number(m[1]) : NaN;
    if (!m || pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(path.join(dir, n));
    } catch {
      // Gone already (another resumed writer removed it).
    }
  }
}

/** Whether a process of that id runs (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Async twin of writeFileAtomic, for large files written while the event loop must stay
 * responsive (e.g. a worker answering cancel requests during a 600 MB images.npy write).
 */
export async function writeFileAtomicAsync(file: string, data: FileData): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  const bytes = toBytes(data);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, off, bytes.length - off);
      off += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
    removeOrphanTemps(file);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(path.dirname(file));
}

/**
 * Writes `data` to `file` atomically, creating parent folders as needed. Synchronous, so
 * that callers can sequence writes (weights before model.json) without awaiting.
 */
export function writeFileAtomic(file: string, data: FileData): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  const bytes = toBytes(data);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    removeOrphanTemps(file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file may never have been created.
    }
    throw e;
  }
  try {
    const dfd = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Best effort: see the header comment.
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Best effort: see the header comment.
  }
}
