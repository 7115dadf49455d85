/**
 * One batch ("chunk") of one attack of the ensemble as a self-contained job, so that the chunks of
 * an attack can run side by side on the engine's thread pool (src/engine/pool), one single-
 * threaded wasm instance per core. Two wasm threads on one forward pass leave part of each core
 * idle (the proposals and bookkeeping between kernels run on one, the kernels synchronise), while
 * two chunks keep both busy. A chunk's result depends only on its images, its labels, the attack
 * and its seed, so it is the same whichever thread runs it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { JobContext } from '../types';
import { loadCheckpoint } from '../models/checkpoint';
import { inferenceFn, type LogitsFn } from './accuracy';
import { runOne, type EnsembleAttack, type EnsembleOptions } from './autoattack';

export interface AttackChunkJob {
  /** The checkpoint folder the thread loads the model from. */
  checkpoint: string;
  attack: EnsembleAttack;
  norm: 'l2' | 'linf';
  eps: number;
  seed: number;
  /** Row-major NHWC images of the chunk and their labels. */
  images: Float32Array;
  labels: Int32Array;
  shape: [number, number, number, number];
}

export interface AttackChunkResult {
  /** One row per image: its adversarial point where `success`, else whatever the attack ended at. */
  adv: Float32Array;
  success: boolean[];
}

/** Runs the chunk with `fn` on this thread; progress is the chunk's own fraction done. */
export async function runAttackChunk(
  fn: LogitsFn,
  job: Omit<AttackChunkJob, 'checkpoint'>,
  ctx: JobContext,
): Promise<AttackChunkResult> {
  const x = tf.tensor4d(job.images, job.shape);
  const y = tf.tensor1d(job.labels, 'int32');
  const o: EnsembleOptions = {
    norm: job.norm,
    eps: job.eps,
    attacks: [job.attack],
    seed: job.seed,
    batchSize: job.shape[0],
  };
  try {
    const r = await runOne(fn, job.attack, x, y, o, job.seed, ctx.signal, (fraction) =>
      ctx.onProgress?.({ phase: 'eval', fraction }),
    );
    const adv = Float32Array.from((await r.adv.data()) as Float32Array);
    r.adv.dispose();
    return { adv, success: r.success };
  } finally {
    tf.dispose([x, y]);
  }
}

/** The pool thread's side: loads the checkpoint's model, runs the chunk, frees the model. */
export async function attackChunkInThread(
  job: AttackChunkJob,
  ctx: JobContext,
): Promise<AttackChunkResult> {
  const ckpt = await loadCheckpoint(job.checkpoint);
  try {
    return await runAttackChunk(inferenceFn(ckpt.model), job, ctx);
  } finally {
    ckpt.model.dispose();
  }
}
