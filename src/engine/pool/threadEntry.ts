/**
 * The body of one long-lived pool thread: its own tfjs + wasm instance (a worker thread shares
 * nothing with the main thread's engine), initialised once, then running the jobs pool.ts posts
 * to it one after another and posting progress back, each reply tagged with its job's id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend/ladder';
import { buildConstructed } from '../construct/build';
import type { ConstructConfig, Shard } from '../construct/config';
import { trainModel } from '../train/trainModel';
import type { TrainConfig } from '../train/config';
import { evaluateCached, type EvalSettings } from '../reproduce/evaluateCached';
import {
  attackChunkInThread,
  type AttackChunkJob,
  type AttackChunkResult,
} from '../eval/attackChunk';
import type { JobContext, ProgressEvent } from '../types';
import { errorMessage } from '../../shared/errorMessage';

/**
 * What a pool thread can run: the per-image or per-model units of construction and reproduction,
 * and one batch of one attack of an AutoAttack ensemble (its result comes back in a 'result').
 */
export type ThreadJob =
  | { kind: 'construct'; cfg: ConstructConfig; outDir: string; shard: Shard }
  | { kind: 'train'; cfg: TrainConfig; outDir: string }
  | { kind: 'eval'; dir: string; settings: EvalSettings }
  | ({ kind: 'attack' } & AttackChunkJob);

/** The thread's workerData: one backend for its whole life. */
export interface ThreadInit {
  backend: BackendName | 'auto';
}

/** Main thread → pool thread. */
export type ThreadRequest =
  { type: 'run'; id: number; job: ThreadJob } | { type: 'abort'; id: number };

export type ThreadMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'log'; line: string }
  | { type: 'result'; value: AttackChunkResult }
  | { type: 'done' }
  | { type: 'error'; message: string; name: string };

/** Pool thread → main thread: a message about job `id`. */
export type ThreadReply = ThreadMessage & { id: number };

async function runJob(
  job: ThreadJob,
  ctx: JobContext,
  post: (m: ThreadMessage) => void,
): Promise<void> {
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
    case 'attack':
      post({ type: 'result', value: await attackChunkInThread(job, ctx) });
      return;
  }
}

const port = parentPort;
if (port) {
  const ready = initBackend((workerData as ThreadInit).backend);
  // A failed init is reported to each job that awaits it, not as an unhandled rejection that kills the thread.
  ready.catch(() => undefined);
  /** The job running now: pool.ts posts the next one only after this one's 'done' or 'error'. */
  let current: { id: number; abort: AbortController } | undefined;
  const run = async (id: number, job: ThreadJob, signal: AbortSignal) => {
    const post = (m: ThreadMessage) => port.postMessage({ ...m, id } satisfies ThreadReply);
    try {
      await ready;
      await runJob(
        job,
        {
          signal,
          onProgress: (event) => post({ type: 'progress', event }),
          log: (line) => post({ type: 'log', line }),
        },
        post,
      );
      post({ type: 'done' });
    } catch (e) {
      post({
        type: 'error',
        message: errorMessage(e),
        name: e instanceof Error ? e.name : 'Error',
      });
    } finally {
      if (current?.id === id) current = undefined;
    }
  };
  port.on('message', (m: ThreadRequest) => {
    switch (m.type) {
      case 'run': {
        // Registered before any await, so an 'abort' right behind the 'run' finds it.
        current = { id: m.id, abort: new AbortController() };
        void run(m.id, m.job, current.abort.signal);
        return;
      }
      case 'abort':
        // An abort for a job that already finished is stale: ignore it.
        if (current?.id === m.id) current.abort.abort();
        return;
      default: {
        const never: never = m;
        throw new Error(`unknown pool request ${JSON.stringify(never)}`);
      }
    }
  });
}
