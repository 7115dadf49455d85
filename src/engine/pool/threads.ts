/**
 * The process-wide set of long-lived pool threads. A thread per job left memory behind on every
 * exit (glibc malloc arenas, wasm memories the process never got back: RSS grew 0.76 → 1.96 GB
 * over `reproduce --profile quick --pool 2` while each thread's heap stayed ~200 MiB), so threads
 * are kept: each initialises its backend once and runs jobs one after another. Callers bound how
 * many run at once; a thread idle for IDLE_MS is retired so a long-lived process gives its memory back.
 */
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { BackendName } from '../backend/ladder';
import type { ThreadInit, ThreadReply, ThreadRequest } from './threadEntry';

const IDLE_MS = 30_000;

/** The job a thread is running: where its replies go, and what to do if the thread dies under it. */
export interface Running {
  id: number;
  onReply(m: ThreadReply): void;
  onDeath(e: Error): void;
}

export interface PoolThread {
  readonly worker: Worker;
  readonly backend: BackendName | 'auto';
  job?: Running;
  idleTimer?: NodeJS.Timeout;
}

const threads = new Set<PoolThread>();
let started = 0;
let nextJobId = 0;

/**
 * Starts a pool thread: the bundle's sibling dist/poolThread.js, or, when the engine runs from
 * TypeScript sources (tests under tsx), the source through tsx's CommonJS hook (a Worker refuses
 * a .ts file name, so the thread starts from a two-line script).
 */
function startWorker(init: ThreadInit): Worker {
  const bundled = path.join(__dirname, 'poolThread.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, { workerData: init });
  const source = path.join(__dirname, 'threadEntry.ts');
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: init,
  });
}

function startThread(backend: BackendName | 'auto'): PoolThread {
  const t: PoolThread = { worker: startWorker({ backend }), backend };
  started++;
  threads.add(t);
  // Replies from a job that already settled (a late progress event) are dropped by the id check.
  t.worker.on('message', (m: ThreadReply) => {
    if (t.job?.id === m.id) t.job.onReply(m);
  });
  // 'error' (an uncaught exception in the thread) comes before 'exit'; whichever is first tells the job.
  const died = (e: Error) => {
    threads.delete(t);
    clearTimeout(t.idleTimer);
    const job = t.job;
    t.job = undefined;
    job?.onDeath(e);
  };
  t.worker.on('error', (e: Error) => died(new Error(`pool thread failed: ${e.message}`)));
  t.worker.on('exit', (code) => died(new Error(`pool thread exited with code ${code}`)));
  return t;
}

/** An idle thread on `backend` (threads on another backend are retired), or a new one; marked busy with `job`. */
export function acquire(
  backend: BackendName | 'auto',
  job: Omit<Running, 'id'>,
): { thread: PoolThread; id: number } {
  let thread: PoolThread | undefined;
  for (const t of threads) {
    if (t.job) continue;
    if (t.backend !== backend) void retire(t);
    else thread ??= t;
  }
  thread ??= startThread(backend);
  clearTimeout(thread.idleTimer);
  const id = ++nextJobId;
  thread.job = { id, ...job };
  // A running job keeps the process alive; an idle thread must not (see release).
  thread.worker.ref();
  return { thread, id };
}

export function post(t: PoolThread, m: ThreadRequest): void {
  t.worker.postMessage(m);
}

/**
 * The job on `t` has settled. After a clean finish the thread waits for the next job, unref'd so
 * that it does not keep the CLI or a test run alive; after a failure or cancellation it is
 * replaced rather than trusted (a job stopped midway may leave tensors or state behind).
 */
export async function release(t: PoolThread, reusable: boolean): Promise<void> {
  t.job = undefined;
  if (!reusable || !threads.has(t)) return retire(t);
  t.worker.unref();
  t.idleTimer = setTimeout(() => void retire(t), IDLE_MS).unref();
}

async function retire(t: PoolThread): Promise<void> {
  threads.delete(t);
  clearTimeout(t.idleTimer);
  await t.worker.terminate();
}

/**
 * Terminates every idle pool thread; running ones are left to finish (and stay for reuse), or with
 * `force` are terminated too, their jobs rejecting as a dead thread's do.
 */
export async function closePool(o: { force?: boolean } = {}): Promise<void> {
  await Promise.all([...threads].filter((t) => o.force || !t.job).map(retire));
}

/** For tests and diagnostics: threads started since the process began, alive now, and idle now. */
export function poolStats(): { started: number; alive: number; idle: number } {
  const alive = [...threads];
  return { started, alive: alive.length, idle: alive.filter((t) => !t.job).length };
}
