/**
 * A pool of worker threads, one per core by default, each with its own wasm instance, kept and
 * reused across jobs (threads.ts). Work is split into the same chunks a single thread would build
 * (chunk k goes to thread k mod n), and every per-image random choice depends only on the seed
 * and the image index, so the result is byte-identical whatever the pool size.
 */
import * as os from 'node:os';
import type { JobContext, ProgressEvent } from '../types';
import { AbortedError } from '../types';
import { backendInfo } from '../backend/ladder';
import type { ThreadJob } from './threadEntry';
import { acquire, post, release } from './threads';

export { closePool, poolStats } from './threads';

/** Default pool size: one thread per core (RFL_POOL_SIZE overrides). */
export function defaultPoolSize(): number {
  const env = Number(process.env.RFL_POOL_SIZE);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, os.availableParallelism());
}

/**
 * The wasm threads of the thread that starts the pool, for a pool of `size`: a pool is the job's
 * budget of cores. A pool of one runs every step on that thread, and there it gets one core
 * (wasm single-threaded) rather than both, so `--pool 1` on a shared node means one core. A pool
 * of two or more leaves the choice to $RFL_WASM_THREADS / 'auto': the pool's threads are
 * single-threaded each, and what runs on the starting thread (trainings in `transfer` and in the
 * VS Code worker, reports) takes its turns between the pool's jobs. An explicit $RFL_WASM_THREADS
 * always wins (undefined here = let it decide).
 */
export function wasmThreadsForPool(size: number): number | undefined {
  const env = process.env.RFL_WASM_THREADS;
  if (env !== undefined && env !== '') return undefined;
  return size === 1 ? 1 : undefined;
}

const what = (job: ThreadJob) =>
  job.kind === 'construct' ? 'construction' : job.kind === 'train' ? 'training' : 'evaluation';

/** Runs one job in a pool thread; resolves when it is done, rejects with its error (AbortedError when cancelled). */
export async function runInThread(job: ThreadJob, ctx: JobContext): Promise<void> {
  await runForResult(job, ctx);
}

/** As runInThread, resolving with the value of the job's 'result' message (attack chunks send one). */
export function runForResult(job: ThreadJob, ctx: JobContext): Promise<unknown> {
  if (ctx.signal?.aborted) return Promise.reject(new AbortedError(what(job)));
  return new Promise<unknown>((resolve, reject) => {
    let result: unknown;
    // Settles only after the thread is released, so a caller's next job can reuse it.
    const settle = (error?: Error) => {
      ctx.signal?.removeEventListener('abort', stop);
      void release(thread, error === undefined).then(() =>
        error ? reject(error) : resolve(result),
      );
    };
    const { thread, id } = acquire(backendInfo().name, {
      onReply: (m) => {
        switch (m.type) {
          case 'progress':
            return ctx.onProgress?.(m.event);
          case 'log':
            return ctx.log?.(m.line);
          case 'result':
            result = m.value;
            return;
          case 'done':
            return settle();
          case 'error':
            return settle(
              m.name === 'AbortedError' ? new AbortedError(what(job)) : new Error(m.message),
            );
          default: {
            const never: never = m;
            throw new Error(`unknown pool reply ${JSON.stringify(never)}`);
          }
        }
      },
      onDeath: (e) => settle(new Error(`${e.message} while running a ${job.kind} job`)),
    });
    // Cancellation is cooperative: the job sees its signal and replies with an AbortedError.
    const stop = () => post(thread, { type: 'abort', id });
    ctx.signal?.addEventListener('abort', stop, { once: true });
    post(thread, { type: 'run', id, job });
  });
}

/** Runs one job per thread; resolves when all are done, rejects (and stops the rest) on the first failure. */
export async function runInThreads(jobs: ThreadJob[], ctx: JobContext): Promise<void> {
  const fractions = jobs.map(() => 0);
  const stopAll = new AbortController();
  const onOuterAbort = () => stopAll.abort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    // allSettled: on a failure the others are stopped, and all have settled before this returns.
    const settled = await Promise.allSettled(
      jobs.map((job, i) =>
        runInThread(job, {
          signal: stopAll.signal,
          log: (line) => ctx.log?.(`[thread ${i}] ${line}`),
          onProgress: (event) => {
            fractions[i] = event.fraction;
            const e: ProgressEvent = {
              ...event,
              fraction: fractions.reduce((a, b) => a + b, 0) / fractions.length,
              message: `${event.message ?? ''} (${jobs.length} threads)`,
            };
            if (event.imagesPerSec !== undefined) e.imagesPerSec = event.imagesPerSec * jobs.length;
            ctx.onProgress?.(e);
          },
        }).catch((e: unknown) => {
          stopAll.abort();
          throw e;
        }),
      ),
    );
    const failed = settled.find(
      (r): r is PromiseRejectedResult =>
        r.status === 'rejected' && !(r.reason instanceof AbortedError),
    );
    // Only cancellations left: the user's (or a caller's) abort.
    if (failed) throw failed.reason;
    const aborted = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (aborted) throw aborted.reason;
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
}
