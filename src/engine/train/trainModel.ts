/**
 * Standard and adversarial training (paper §2: min_θ E[max_{δ∈Δ} L(θ, x+δ, y)]), with a
 * snapshot after every epoch, exact resume, NaN detection and progress events.
 */
import { jsHeapMiB, wasmHeapMiB } from '../backend/memory';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, JobContext } from '../types';
import { cancellationPoint } from '../types';
import type { TrainConfig } from './config';
import { buildModel, type BuiltModel } from '../models/registry';
import { loadDataset } from '../formats/load';
import { createOptimizer, learningRateAt, setLearningRate } from './optimizer';
import { removeStaleStaging } from '../formats/atomicDir';
import { listSnapshots, restoreLatest, writeSnapshot, type LoopState } from './snapshot';
import { epochOrder, batchRanges, batchTensors } from './batches';
import { inferenceFn, standardAccuracy } from '../eval/accuracy';
import { adversarialBatch } from './adversarialBatch';
import { writeCheckpoint, type CheckpointMetrics } from './writeCheckpoint';
import { writeJsonAtomic } from '../models/checkpoint';
import { ProgressClock } from './progressClock';
import { killPoint } from '../testKill';
import { assertCheckpointFits, modelJsonShape } from '../models/fits';

export class NaNLossError extends Error {
  constructor(epoch: number, step: number, outDir: string, lastGood: number) {
    super(
      `Training diverged: the loss became NaN at epoch ${epoch + 1}, step ${step + 1}. ` +
        (lastGood > 0
          ? `The last good checkpoint (epoch ${lastGood}) is kept in ${outDir}.`
          : 'No epoch had finished, so there is no checkpoint.') +
        ' Lower the learning rate or check the data for NaN pixels.',
    );
    this.name = 'NaNLossError';
  }
}

export interface TrainResult {
  checkpointDir: string;
  metrics: CheckpointMetrics;
  history: LoopState['history'];
}

export async function trainModel(
  cfg: TrainConfig,
  outDir: string,
  ctx: JobContext & { resume?: boolean } = {},
): Promise<TrainResult> {
  const train = await loadDataset(cfg.data, {
    split: 'train',
    limit: cfg.trainLimit,
    seed: cfg.seed,
  });
  const test = await loadDataset(cfg.testData ?? cfg.data, {
    split: 'test',
    limit: cfg.testLimit,
    seed: cfg.seed,
  });
  return trainOnDatasets(cfg, train, test, outDir, ctx);
}

/** The loop itself, on datasets already in memory (constructed datasets come this way). */
export async function trainOnDatasets(
  cfg: TrainConfig,
  train: Dataset,
  test: Dataset,
  outDir: string,
  ctx: JobContext & { resume?: boolean } = {},
): Promise<TrainResult> {
  const [n, h, w, c] = train.shape;
  if (n === 0) throw new Error(`${train.source}: the training set is empty`);
  const built: BuiltModel = buildModel(cfg.model, {
    inputShape: [h, w, c],
    numClasses: train.numClasses,
    seed: cfg.seed,
  });
  const opt = createOptimizer(cfg);
  try {
    return await trainLoop(cfg, train, test, outDir, ctx, built, opt);
  } finally {
    built.model.dispose();
    opt.dispose();
  }
}

async function trainLoop(
  cfg: TrainConfig,
  train: Dataset,
  test: Dataset,
  outDir: string,
  ctx: JobContext & { resume?: boolean },
  built: BuiltModel,
  opt: tf.Optimizer,
): Promise<TrainResult> {
  const n = train.shape[0];
  let state: LoopState = { epochsDone: 0, history: [], trainSec: 0 };
  if (listSnapshots(outDir).length > 0) {
    if (!ctx.resume)
      throw new Error(
        `${outDir} already holds a training run: resume it (--resume) or choose another output folder`,
      );
    assertSameConfig(outDir, cfg);
    // A kill while an old snapshot was being pruned leaves its remnant: the next save may never come.
    removeStaleStaging(path.join(outDir, 'epochs'));
    // The same spec can name other data than before (files replaced): say so before restoring.
    const snapshot = modelJsonShape(path.join(outDir, 'epochs', listSnapshots(outDir).at(-1)!));
    if (snapshot) assertCheckpointFits(outDir, snapshot, train);
    const restored = await restoreLatest(outDir, built.model, opt);
    state = restored?.state ?? state;
    ctx.log?.(`resumed from epoch ${state.epochsDone} in ${outDir}`);
    if (restored?.warning) ctx.log?.(`warning: ${restored.warning}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  writeJsonAtomic(path.join(outDir, 'train-config.json'), cfg);
  killPoint('start', outDir);
  const vars = built.model.trainableWeights.map((v) => v.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(n / cfg.batchSize);
  const clock = new ProgressClock(cfg.epochs * stepsPerEpoch, state.epochsDone * stepsPerEpoch);
  for (let epoch = state.epochsDone; epoch < cfg.epochs; epoch++) {
    const t0 = Date.now();
    const order = epochOrder(n, cfg.seed, epoch);
    let lossSum = 0,
      correct = 0,
      seen = 0,
      step = 0,
      lr = cfg.lr;
    for (const [s, e] of batchRanges(n, cfg.batchSize)) {
      await cancellationPoint(ctx.signal, 'training');
      lr = learningRateAt(cfg, epoch, step, stepsPerEpoch);
      setLearningRate(opt, lr);
      const stepSeed = cfg.seed * 1_000_003 + epoch * 10_007 + step;
      const { x, y } = batchTensors(
        train,
        order.subarray(s, e),
        cfg.augment ? { seed: stepSeed } : undefined,
      );
      const xt = cfg.adversarial
        ? await adversarialBatch(
            inferenceFn(built.model),
            x,
            y,
            cfg.adversarial,
            stepSeed,
            ctx.signal,
          )
        : x;
      const stats = trainStep(built, opt, vars, xt, y, train.numClasses, cfg.weightDecay ?? 0);
      const [loss, hits] = (await stats.data()) as Float32Array;
      tf.dispose([x, y, xt, stats]);
      killPoint('train-step', outDir);
      if (!Number.isFinite(loss)) throw new NaNLossError(epoch, step, outDir, state.epochsDone);
      lossSum += (loss as number) * (e - s);
      correct += hits as number;
      seen += e - s;
      step++;
      clock.tick(e - s);
      if (clock.due())
        ctx.onProgress?.({
          phase: 'train',
          fraction: clock.fraction(),
          epoch: epoch + 1,
          epochs: cfg.epochs,
          step,
          steps: stepsPerEpoch,
          loss: lossSum / seen,
          accuracy: correct / seen,
          imagesPerSec: clock.rate(),
          etaSec: clock.eta(),
        });
    }
    const trainSeconds = (Date.now() - t0) / 1000;
    const testAccuracy = await standardAccuracy(inferenceFn(built.model), test, 256, ctx);
    const seconds = (Date.now() - t0) / 1000;
    const evalSeconds = seconds - trainSeconds;
    state = {
      ...state,
      epochsDone: epoch + 1,
      trainSec: state.trainSec + seconds,
      history: [
        ...state.history,
        {
          epoch: epoch + 1,
          loss: lossSum / seen,
          accuracy: correct / seen,
          testAccuracy,
          lr,
          seconds,
          trainSeconds,
          evalSeconds,
          imagesPerSec: seen / trainSeconds,
          rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
          wasmHeapMiB: wasmHeapMiB(),
          jsHeapMiB: jsHeapMiB(),
          tensors: tf.memory().numTensors,
        },
      ],
    };
    await writeSnapshot(outDir, built.model, opt, state);
    killPoint('epoch-end', outDir);
    ctx.log?.(
      `epoch ${epoch + 1}/${cfg.epochs}: loss ${(lossSum / seen).toFixed(4)}, train acc ${(correct / seen).toFixed(4)}, test acc ${testAccuracy.toFixed(4)}, ${(seen / trainSeconds).toFixed(0)} img/s training (${trainSeconds.toFixed(1)} s), test evaluation ${evalSeconds.toFixed(1)} s`,
    );
    ctx.onProgress?.({
      phase: 'train',
      fraction: clock.fraction(),
      epoch: epoch + 1,
      epochs: cfg.epochs,
      step,
      steps: stepsPerEpoch,
      loss: lossSum / seen,
      accuracy: testAccuracy,
      imagesPerSec: seen / trainSeconds,
      etaSec: clock.eta(),
      message: `epoch ${epoch + 1} done: test accuracy ${(100 * testAccuracy).toFixed(1)}%`,
    });
  }
  const metrics = await writeCheckpoint(outDir, built, cfg, train, test, state);
  return { checkpointDir: outDir, metrics, history: state.history };
}

/** One optimizer step; returns [mean loss, number correct] as a tensor to read once. */
function trainStep(
  built: BuiltModel,
  opt: tf.Optimizer,
  vars: tf.Variable[],
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  numClasses: number,
  weightDecay: number,
): tf.Tensor1D {
  let hits: tf.Scalar | undefined;
  const loss = tf.tidy(
    () =>
      opt.minimize(
        () => {
          const logits = built.model.apply(x, { training: true }) as tf.Tensor2D;
          // Kept past the gradient tape's scope; disposed below once stacked.
          hits = tf.keep(tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')));
          const ce = tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
            tf.oneHot(y, numClasses),
            logits,
          );
          // Coupled L2 weight decay, as PyTorch's weight_decay adds wd·θ to the gradient.
          if (weightDecay <= 0) return ce;
          const l2 = tf.addN<tf.Scalar>(vars.map((v) => tf.sum<tf.Scalar>(tf.square(v))));
          return tf.add<tf.Scalar>(ce, tf.mul(0.5 * weightDecay, l2));
        },
        true,
        vars,
      ) as tf.Scalar,
  );
  const out = tf.stack([loss, hits as tf.Scalar]) as tf.Tensor1D;
  tf.dispose([loss, hits]);
  return out;
}

function assertSameConfig(outDir: string, cfg: TrainConfig): void {
  const file = path.join(outDir, 'train-config.json');
  if (!fs.existsSync(file)) return;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainConfig;
  const keys = [
    'model',
    'data',
    'testData',
    'trainLimit',
    'batchSize',
    'optimizer',
    'lr',
    'seed',
    'schedule',
    'adversarial',
    'augment',
    'weightDecay',
    'momentum',
  ] as const;
  const diff = keys.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(cfg[k]));
  if (diff.length)
    throw new Error(
      `${file}: cannot resume, the configuration differs in ${diff.join(', ')}. ` +
        'Resume with the settings saved there, or train into another output folder.',
    );
}
