/**
 * The body of one pool thread: its own tfjs + wasm instance (a worker thread shares nothing with
 * the main thread's engine), running one task and posting progress back. Used through pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendName } from '../backend/ladder';
import { buildConstructed } from '../construct/build';
import type { ConstructConfig, Shard } from '../construct/config';
import type { ProgressEvent } from '../types';

export interface ThreadTask {
  kind: 'construct';
  backend: BackendName | 'auto';
  cfg: ConstructConfig;
  outDir: string;
  shard: Shard;
}

export type ThreadMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'log'; line: string }
  | { type: 'done' }
  | { type: 'error'; message: string; name: string };

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
    await buildConstructed(task.cfg, task.outDir, {
      shard: task.shard,
      asPoolThread: true,
      signal: abort.signal,
      onProgress: (event) => post({ type: 'progress', event }),
      log: (line) => post({ type: 'log', line }),
    });
    post({ type: 'done' });
  })().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e), name: e instanceof Error ? e.name : 'Error' }));
}
