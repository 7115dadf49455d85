/**
 * A pool of worker threads, one per core by default, each with its own wasm instance. Work is
 * split into the same chunks a single thread would build (chunk k goes to thread k mod n), and
 * every per-image random choice depends only on the seed and the image index, so the result is
 * byte-identical whatever the pool size.
 */
import { Worker } from 'node:worker_threads';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { JobContext, ProgressEvent } from '../types';
import { AbortedError } from '../types';
import { backendInfo } from '../backend/ladder';
import type { ThreadMessage, ThreadTask } from './threadEntry';

/** Default pool size: one thread per core (RFL_POOL_SIZE overrides). */
export function defaultPoolSize(): number {
  const env = Number(process.env.RFL_POOL_SIZE);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, os.availableParallelism());
}

/**
 * Starts a pool thread: the bundle's sibling dist/poolThread.js, or, when the engine runs from
 * TypeScript sources (tests under tsx), the source through tsx's CommonJS hook (a Worker refuses
 * a .ts file name, so the thread starts from a two-line script).
 */
function startThread(task: ThreadTask): Worker {
  const bundled = path.join(__dirname, 'poolThread.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, { workerData: task });
  const source = path.join(__dirname, 'threadEntry.ts');
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, { eval: true, workerData: task });
}

/** Runs one task per thread; resolves when all are done, rejects (and stops the rest) on the first failure. */
export async function runInThreads(tasks: Omit<ThreadTask, 'backend'>[], ctx: JobContext): Promise<void> {
  const backend = backendInfo().name;
  const fractions = tasks.map(() => 0);
  const workers = tasks.map((t) => startThread({ ...t, backend }));
  const stopAll = () => workers.forEach((w) => w.postMessage({ type: 'abort' }));
  ctx.signal?.addEventListener('abort', stopAll, { once: true });
  try {
    await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            w.on('message', (m: ThreadMessage) => {
              if (m.type === 'progress') {
                fractions[i] = m.event.fraction;
                const e: ProgressEvent = { ...m.event, fraction: fractions.reduce((a, b) => a + b, 0) / fractions.length, message: `${m.event.message ?? ''} (${tasks.length} threads)` };
                if (m.event.imagesPerSec !== undefined) e.imagesPerSec = m.event.imagesPerSec * tasks.length;
                ctx.onProgress?.(e);
              } else if (m.type === 'log') ctx.log?.(`[thread ${i}] ${m.line}`);
              else if (m.type === 'done') resolve();
              else {
                stopAll();
                reject(m.name === 'AbortedError' ? new AbortedError('construction') : new Error(m.message));
              }
            });
            w.on('error', (e) => {
              stopAll();
              reject(e);
            });
            w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pool thread ${i} exited with code ${code}`))));
          }),
      ),
    );
  } finally {
    ctx.signal?.removeEventListener('abort', stopAll);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
