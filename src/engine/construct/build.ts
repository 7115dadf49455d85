/**
 * Builds D_R, D_NR, D_rand or D_det from a checkpoint and a source dataset, chunk by chunk:
 * resumable after a kill (finished chunks are kept), and shardable (`shard i/n` builds chunks
 * k ≡ i mod n) so that n machines build disjoint parts that `mergeShards` joins.
 */
import { assertCheckpointFits } from '../models/fits';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, JobContext } from '../types';
import { cancellationPoint } from '../types';
import { loadDataset } from '../formats/load';
import { readDatasetManifest } from '../formats/constructed';
import { loadCheckpoint } from '../models/checkpoint';
import { inferenceFn } from '../eval/accuracy';
import { writeJsonAtomic } from '../models/checkpoint';
import { chunkDone, prepareChunks, writeChunk, type ChunkData } from './chunkStore';
import type { ConstructConfig, Shard } from './config';
import { invertBatch } from './invert';
import { inversionRepresentation } from '../models/inversionRep';
import { relabelBatch } from './relabel';
import { noiseStart, startIndex, targetLabel } from './perImage';
import { assemble, removeChunks, type BuildSummary } from './assemble';
import { gatherImages } from '../train/batches';
import { runInThreads } from '../pool/pool';
import type { AttackModel } from '../attacks/types';
import { killPoint } from '../testKill';

export interface BuildOptions extends JobContext {
  shard?: Shard;
  /** Threads building chunks in parallel (pool.ts); 1 = this thread only. Same result either way. */
  poolSize?: number;
  /** Internal: a pool thread builds its chunks only; the caller cleans staging and assembles. */
  asPoolThread?: boolean;
}

export async function buildConstructed(
  cfg: ConstructConfig,
  outDir: string,
  ctx: BuildOptions = {},
): Promise<BuildSummary | { complete: false; chunksDone: number; chunks: number }> {
  const finished = finishedSummary(outDir, cfg);
  if (finished) {
    ctx.log?.(`${outDir} is already built; nothing to do`);
    return finished;
  }
  const ckpt = await loadCheckpoint(cfg.checkpoint);
  try {
    const ds = await loadDataset(cfg.data, {
      split: 'train',
      limit: cfg.limit,
      seed: cfg.seed,
      signal: ctx.signal,
    });
    assertCheckpointFits(cfg.checkpoint, ckpt.manifest, ds);
    const n = ds.shape[0];
    const chunks = Math.ceil(n / cfg.chunkSize);
    if (!ctx.asPoolThread) {
      recordConfig(outDir, cfg);
      prepareChunks(outDir);
      killPoint('start', outDir);
    }
    const pool = Math.min(ctx.poolSize ?? 1, chunks);
    if (pool > 1 && !ctx.shard && !ctx.asPoolThread) {
      await runInThreads(
        Array.from({ length: pool }, (_, t) => ({
          kind: 'construct' as const,
          cfg,
          outDir,
          shard: { index: t, count: pool },
        })),
        ctx,
      );
      return await assemble(outDir, cfg, ds, ckpt.manifest, (line) => ctx.log?.(line));
    }
    const mine = Array.from({ length: chunks }, (_, k) => k).filter(
      (k) => !ctx.shard || k % ctx.shard.count === ctx.shard.index,
    );
    const todo = mine.filter((k) => !chunkDone(outDir, k));
    if (todo.length < mine.length)
      ctx.log?.(
        `resuming: ${mine.length - todo.length} of ${mine.length} chunks already built in ${outDir}`,
      );
    const fn: AttackModel =
      cfg.kind === 'robust' || cfg.kind === 'nonrobust'
        ? inversionRepresentation(ckpt, cfg.fakeRelu ?? false).g
        : inferenceFn(ckpt.model);
    const t0 = Date.now();
    let imagesDone = 0;
    const imagesTodo = todo.reduce(
      (s, k) => s + Math.min(n, (k + 1) * cfg.chunkSize) - k * cfg.chunkSize,
      0,
    );
    for (const k of todo) {
      const start = k * cfg.chunkSize;
      const end = Math.min(n, start + cfg.chunkSize);
      const chunk = await buildChunk(cfg, fn, ds, start, end, outDir, ctx, (done) => {
        const fraction = (imagesDone + done) / Math.max(1, imagesTodo);
        const elapsed = (Date.now() - t0) / 1000;
        ctx.onProgress?.({
          phase: `construct-${cfg.kind}`,
          fraction,
          step: k + 1,
          steps: chunks,
          imagesPerSec: (imagesDone + done) / Math.max(1e-3, elapsed),
          etaSec: fraction > 0 ? (elapsed / fraction) * (1 - fraction) : undefined,
          message: `chunk ${k + 1}/${chunks}`,
        });
      });
      await writeChunk(outDir, k, [ds.shape[1], ds.shape[2], ds.shape[3]], chunk);
      imagesDone += end - start;
    }
    if (ctx.asPoolThread) return { complete: false, chunksDone: -1, chunks };
    const allDone = Array.from({ length: chunks }, (_, k) => k).every((k) => chunkDone(outDir, k));
    if (!allDone)
      return {
        complete: false,
        chunksDone: Array.from({ length: chunks }, (_, k) => k).filter((k) => chunkDone(outDir, k))
          .length,
        chunks,
      };
    return await assemble(outDir, cfg, ds, ckpt.manifest, (line) => ctx.log?.(line));
  } finally {
    ckpt.model.dispose();
  }
}

/** The summary of a finished build with the same settings, if `outDir` holds one. */
export function finishedSummary(outDir: string, cfg: ConstructConfig): BuildSummary | undefined {
  const manifest = readDatasetManifest(outDir);
  if (!manifest || !fs.existsSync(path.join(outDir, 'images.npy'))) return undefined;
  recordConfig(outDir, cfg);
  // A build killed between its manifest and the removal of its chunks: they are redundant now.
  removeChunks(outDir);
  return manifest.summary as BuildSummary;
}

/** Writes build.json on first run; refuses to resume or merge into a folder built differently. */
export function recordConfig(outDir: string, cfg: ConstructConfig): void {
  const file = path.join(outDir, 'build.json');
  const text = JSON.stringify(cfg, null, 2);
  if (fs.existsSync(file)) {
    const old = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Relabelled builds made before L∞ existed record no norm: theirs was L2.
    if ((old.kind === 'rand' || old.kind === 'det') && old.norm === undefined) old.norm = 'l2';
    const diff = Object.keys({ ...old, ...cfg }).filter(
      (k) =>
        JSON.stringify(old[k]) !== JSON.stringify((cfg as unknown as Record<string, unknown>)[k]),
    );
    if (diff.length)
      throw new Error(
        `${file}: this folder holds a build with other settings (${diff.join(', ')} differ); use another output folder`,
      );
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  writeJsonAtomic(file, JSON.parse(text));
}

async function buildChunk(
  cfg: ConstructConfig,
  fn: AttackModel,
  ds: Dataset,
  start: number,
  end: number,
  outDir: string,
  ctx: JobContext,
  progress: (done: number) => void,
): Promise<ChunkData> {
  const t0 = Date.now();
  const [n, h, w, c] = ds.shape;
  const size = h * w * c;
  const images = new Float32Array((end - start) * size);
  const labels = new Int32Array(end - start);
  const perImage: Record<string, number[]> = {};
  const push = (key: string, values: ArrayLike<number>) =>
    (perImage[key] ??= []).push(...Array.from(values));
  for (let s = start; s < end; s += cfg.batchSize) {
    await cancellationPoint(ctx.signal, 'construction');
    const e = Math.min(end, s + cfg.batchSize);
    const idx = Array.from({ length: e - s }, (_, i) => s + i);
    const x = tf.tensor4d(gatherImages(ds, idx), [idx.length, h, w, c]);
    // Progress per attack iteration, not per batch: a batch of 250 images × 150 steps is minutes
    // on a busy machine, and the status bar would say nothing all that time.
    const onIteration = (i: number) =>
      progress(s - start + (idx.length * (i + 1)) / (cfg.steps + 1));
    try {
      if (cfg.kind === 'robust' || cfg.kind === 'nonrobust') {
        const starts = idx.map((i) => (cfg.start === 'noise' ? -1 : startIndex(cfg.seed, i, n)));
        const startPixels =
          cfg.start === 'noise'
            ? concat(idx.map((i) => noiseStart(cfg.seed, i, size)))
            : gatherImages(ds, starts);
        const x0 = tf.tensor4d(startPixels, [idx.length, h, w, c]);
        const r = await invertBatch(fn, x, x0, {
          steps: cfg.steps,
          stepSize: cfg.stepSize,
          signal: ctx.signal,
          onIteration,
        }).finally(() => x0.dispose());
        images.set(r.images, (s - start) * size);
        idx.forEach((i) => (labels[i - start] = ds.labels[i] as number));
        push('startIndex', starts);
        push('distance', r.distances);
        push('startDistance', r.startDistances);
      } else {
        const kind = cfg.kind;
        const targets = Int32Array.from(idx, (i) =>
          targetLabel(kind, cfg.seed, i, ds.labels[i] as number, ds.numClasses),
        );
        const r = await relabelBatch(fn, x, targets, {
          norm: cfg.norm ?? 'l2',
          eps: cfg.eps ?? 0.5,
          steps: cfg.steps,
          stepSize: cfg.stepSize,
          signal: ctx.signal,
          onIteration,
        });
        images.set(r.images, (s - start) * size);
        labels.set(targets, s - start);
        push(
          'originalLabel',
          idx.map((i) => ds.labels[i] as number),
        );
        push('success', r.success.map(Number));
        push('perturbationNorm', r.perturbationNorms);
      }
    } finally {
      x.dispose();
    }
    progress(e - start);
    killPoint('chunk-batch', outDir);
  }
  return { images, labels, record: { start, end, seconds: (Date.now() - t0) / 1000, perImage } };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
