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
import type { ThreadJob, ThreadMessage, ThreadTask } from './threadEntry';

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

/** Runs one job in a new pool thread; resolves when it is done, rejects with its error (AbortedError when cancelled). */
export function runInThread(job: ThreadJob, ctx: JobContext): Promise<void> {
  const w = startThread({ ...job, backend: backendInfo().name });
  const stop = () => w.postMessage({ type: 'abort' });
  if (ctx.signal?.aborted) stop();
  ctx.signal?.addEventListener('abort', stop, { once: true });
  return new Promise<void>((resolve, reject) => {
    w.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') ctx.onProgress?.(m.event);
      else if (m.type === 'log') ctx.log?.(m.line);
      else if (m.type === 'done') resolve();
      else reject(m.name === 'AbortedError' ? new AbortedError(job.kind === 'construct' ? 'construction' : job.kind === 'train' ? 'training' : 'evaluation') : new Error(m.message));
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pool thread (${job.kind}) exited with code ${code}`))));
  }).finally(async () => {
    ctx.signal?.removeEventListener('abort', stop);
    await w.terminate();
  });
}

/** Runs one job per thread; resolves when all are done, rejects (and stops the rest) on the first failure. */
export async function runInThreads(jobs: ThreadJob[], ctx: JobContext): Promise<void> {
  const fractions = jobs.map(() => 0);
  const stopAll = new AbortController();
  const onOuterAbort = () => stopAll.abort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    // allSettled: on a failure the others are stopped, and all have exited before this returns.
    const settled = await Promise.allSettled(
      jobs.map((job, i) =>
        runInThread(job, {
          signal: stopAll.signal,
          log: (line) => ctx.log?.(`[thread ${i}] ${line}`),
          onProgress: (event) => {
            fractions[i] = event.fraction;
            const e: ProgressEvent = { ...event, fraction: fractions.reduce((a, b) => a + b, 0) / fractions.length, message: `${event.message ?? ''} (${jobs.length} threads)` };
            if (event.imagesPerSec !== undefined) e.imagesPerSec = event.imagesPerSec * jobs.length;
            ctx.onProgress?.(e);
          },
        }).catch((e: unknown) => {
          stopAll.abort();
          throw e;
        }),
      ),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof AbortedError));
    // Only cancellations left: the user's (or a caller's) abort.
    if (failed) throw failed.reason;
    const aborted = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (aborted) throw aborted.reason;
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
}
