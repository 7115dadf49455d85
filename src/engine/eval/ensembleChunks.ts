/**
 * The batches ("chunks") of one attack of the ensemble: run here one after another, or, given a
 * pool, up to pool.size at once on the engine's threads (attackChunk.ts). Either way each chunk's
 * result goes to `use` in chunk order, so the bookkeeping, the warnings and the figures are those
 * of the sequential run.
 */
import type { Dataset, JobContext } from '../types';
import { AbortedError, cancellationPoint } from '../types';
import { runForResult } from '../pool/pool';
import { gatherImages } from '../train/batches';
import type { LogitsFn } from './accuracy';
import { runAttackChunk, type AttackChunkJob, type AttackChunkResult } from './attackChunk';
import type { EnsembleAttack, EnsembleOptions } from './autoattack';

/** Where the chunks may run besides this thread: the checkpoint the threads load, how many. */
export interface EnsemblePool {
  checkpoint: string;
  size: number;
}

/** Below this many examples per chunk, one more chunk costs more than it gains. */
const MIN_SPLIT_CHUNK = 32;

/**
 * The examples `idx` still robust, split into the chunks one attack runs: the fewest chunks of at
 * most `batchSize`, rounded up to an even count while chunks keep `MIN_SPLIT_CHUNK` examples, of
 * sizes that differ by at most one. Threads take chunks in turn, so an odd count leaves the last
 * chunk running alone while the others wait, and a short last chunk leaves its thread idle for the
 * rest of the round; on two cores an even count of equal chunks keeps both busy to the end. The rule never looks at the pool, so the
 * chunks, their seeds and so the result are the same for any pool size and without one.
 */
export function ensembleChunks(idx: number[], batchSize: number): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`ensembleChunks: batchSize must be a whole number ≥ 1, got ${batchSize}`);
  let count = Math.ceil(idx.length / batchSize);
  if (count % 2 === 1 && idx.length >= (count + 1) * MIN_SPLIT_CHUNK) count++;
  const chunks: number[][] = [];
  for (let c = 0, start = 0; c < count; c++) {
    const size = Math.floor(idx.length / count) + (c < idx.length % count ? 1 : 0);
    chunks.push(idx.slice(start, start + size));
    start += size;
  }
  return chunks;
}

export interface ChunkPlan {
  attack: EnsembleAttack;
  /** Example indices of each chunk. */
  chunks: number[][];
  seedOf: (c: number) => number;
  /** Chunk c's own fraction done. */
  onStep: (c: number, fraction: number) => void;
  use: (c: number, r: AttackChunkResult) => Promise<void>;
}

/** Chunk c of the plan as a self-contained job (attackChunk.ts), for this thread or a pool's. */
function chunkJob(
  ds: Dataset,
  p: ChunkPlan,
  o: EnsembleOptions,
  c: number,
  chunk: number[],
): Omit<AttackChunkJob, 'checkpoint'> {
  const [, h, w, ch] = ds.shape;
  return {
    attack: p.attack,
    norm: o.norm,
    eps: o.eps,
    seed: p.seedOf(c),
    images: gatherImages(ds, chunk),
    labels: Int32Array.from(chunk, (i) => ds.labels[i]!),
    shape: [chunk.length, h, w, ch],
  };
}

export async function attackChunks(
  fn: LogitsFn,
  ds: Dataset,
  p: ChunkPlan,
  o: EnsembleOptions & { pool?: EnsemblePool },
  ctx: JobContext,
): Promise<void> {
  const parallel = Math.min(o.pool?.size ?? 1, p.chunks.length);
  if (!o.pool || parallel < 2) {
    // The very function a pool thread runs, here: the two paths cannot differ but by thread.
    for (const [c, chunk] of p.chunks.entries()) {
      await cancellationPoint(ctx.signal, 'evaluation');
      const r = await runAttackChunk(fn, chunkJob(ds, p, o, c, chunk), {
        signal: ctx.signal,
        onProgress: (e) => p.onStep(c, e.fraction),
      });
      await p.use(c, r);
    }
    return;
  }
  await inPool(ds, p, o, o.pool, parallel, ctx);
}

async function inPool(
  ds: Dataset,
  p: ChunkPlan,
  o: EnsembleOptions,
  pool: EnsemblePool,
  parallel: number,
  ctx: JobContext,
): Promise<void> {
  // The first failure stops the other chunks; the user's cancel stops them all.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const results = p.chunks.map(() => {
    let settle!: { resolve: (r: AttackChunkResult) => void; reject: (e: unknown) => void };
    const promise = new Promise<AttackChunkResult>((resolve, reject) => {
      settle = { resolve, reject };
    });
    promise.catch(() => undefined);
    return { promise, ...settle };
  });
  let next = 0;
  const runner = async () => {
    while (next < p.chunks.length) {
      const k = next++;
      const chunk = p.chunks[k]!;
      try {
        const r = (await runForResult(
          { kind: 'attack', checkpoint: pool.checkpoint, ...chunkJob(ds, p, o, k, chunk) },
          { signal: stop.signal, onProgress: (e) => p.onStep(k, e.fraction) },
        )) as AttackChunkResult;
        results[k]!.resolve(r);
      } catch (e) {
        stop.abort();
        results[k]!.reject(e);
      }
    }
  };
  const runners = Array.from({ length: parallel }, runner);
  try {
    for (const [k, r] of results.entries()) await p.use(k, await r.promise);
  } catch (e) {
    stop.abort();
    await Promise.allSettled(runners);
    // A chunk's own error rather than the cancellations it caused in the others.
    const settled = await Promise.allSettled(results.map((r) => r.promise));
    const real = settled.find(
      (s): s is PromiseRejectedResult =>
        s.status === 'rejected' && !(s.reason instanceof AbortedError),
    );
    throw real ? real.reason : e;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  await Promise.all(runners);
}
