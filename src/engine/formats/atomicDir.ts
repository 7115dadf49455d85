/**
 * A folder that appears whole or not at all: its files are written into a staging folder beside
 * it, which is then renamed into place in one step. Used for epoch snapshots and dataset chunks,
 * whose files only make sense together (weights with their optimizer state; images with labels).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killPoint } from '../testKill';

export async function writeDirAtomic(
  finalDir: string,
  fill: (stagingDir: string) => Promise<void> | void,
): Promise<void> {
  const parent = path.dirname(finalDir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = path.join(parent, `.staging-${path.basename(finalDir)}-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging);
  try {
    await fill(staging);
    removeDirAtomic(finalDir);
    fs.renameSync(staging, finalDir);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Staging folders left by a killed process (any pid): safe to delete before resuming. */
export function removeStaleStaging(parent: string): void {
  if (!fs.existsSync(parent)) return;
  for (const n of fs.readdirSync(parent))
    if (n.startsWith('.staging-'))
      fs.rmSync(path.join(parent, n), { recursive: true, force: true });
}

/**
 * Removes a folder so that a kill at any moment leaves it whole or gone: it is renamed to a
 * `.staging-` name beside it in one step (readers skip those; removeStaleStaging clears them)
 * before the recursive delete, which is not atomic.
 */
export function removeDirAtomic(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const doomed = path.join(
    path.dirname(dir),
    `.staging-removed-${path.basename(dir)}-${process.pid}`,
  );
  fs.rmSync(doomed, { recursive: true, force: true });
  fs.renameSync(dir, doomed);
  killPoint('remove', dir);
  fs.rmSync(doomed, { recursive: true, force: true });
}
