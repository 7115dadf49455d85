/**
 * The body of one pool thread: its own tfjs + wasm instance (a worker thread shares nothing with
 * the main thread's engine), running one job and posting progress back. Used through pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend/ladder';
import { buildConstructed } from '../construct/build';
import type { ConstructConfig, Shard } from '../construct/config';
import { trainModel } from '../train/trainModel';
import type { TrainConfig } from '../train/config';
import { evaluateCached, type EvalSettings } from '../reproduce/evaluateCached';
import type { JobContext, ProgressEvent } from '../types';

/** What a pool thread can run: the per-image or per-model units of construction and reproduction. */
export type ThreadJob =
  | { kind: 'construct'; cfg: ConstructConfig; outDir: string; shard: Shard }
  | { kind: 'train'; cfg: TrainConfig; outDir: string }
  | { kind: 'eval'; dir: string; settings: EvalSettings };

export type ThreadTask = ThreadJob & { backend: BackendName | 'auto' };

export type ThreadMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'log'; line: string }
  | { type: 'done' }
  | { type: 'error'; message: string; name: string };

async function runJob(job: ThreadJob, ctx: JobContext): Promise<void> {
  switch (job.kind) {
    case 'construct':
      await buildConstructed(job.cfg, job.outDir, { ...ctx, shard: job.shard, asPoolThread: true });
      return;
    case 'train':
      await trainModel(job.cfg, job.outDir, { ...ctx, resume: true });
      return;
    case 'eval':
      await evaluateCached(job.dir, job.settings, ctx);
      return;
  }
}

const port = parentPort;
if (port) {
  const task = workerData as ThreadTask;
  const abort = new AbortController();
  port.on('message', (m: { type: 'abort' }) => {
    if (m.type === 'abort') abort.abort();
  });
  const post = (m: ThreadMessage) => port.postMessage(m);
  (async () => {
    await initBackend(task.backend);
    await runJob(task, { signal: abort.signal, onProgress: (event) => post({ type: 'progress', event }), log: (line) => post({ type: 'log', line }) });
    post({ type: 'done' });
  })().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e), name: e instanceof Error ? e.name : 'Error' }));
}
