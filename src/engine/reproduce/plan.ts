/**
 * The reproduction as a task graph (schedule.ts runs it). Steps, as in results.md:
 *   standard_D, adversarial_D → D_nonrobust, D_rand, D_det (from standard_D), D_robust (from
 *   adversarial_D) → standard training on each → evaluation of the six models.
 * On one slot every step is one task on this thread. On n > 1 slots every task runs in a pool
 * thread and each construction is split into its chunks (the unit of resumption already), so both
 * cores stay busy until the last chunk of D_R.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobContext } from '../types';
import { trainModel } from '../train/trainModel';
import type { TrainConfig } from '../train/config';
import { buildConstructed, recordConfig } from '../construct/build';
import { constructDefaults, type ConstructConfig, type ConstructKind } from '../construct/config';
import { chunkDone, prepareChunks } from '../construct/chunkStore';
import { readDatasetManifest } from '../formats/constructed';
import { readManifest } from '../models/checkpoint';
import { loadDataset } from '../formats/load';
import { runInThread } from '../pool/pool';
import type { ThreadJob } from '../pool/threadEntry';
import { cachedEval, evaluateCached, evalSettings } from './evaluateCached';
import type { ReproduceOptions } from './pipeline';
import type { DagTask } from './schedule';

/** The six models evaluated on the original test set, by folder name. */
export const EVALUATED = [
  'standard_D',
  'adversarial_D',
  'standard_DR',
  'standard_DNR',
  'standard_Drand',
  'standard_Ddet',
] as const;

const SOURCES: Record<ConstructKind, { source: string; trainedAs: string }> = {
  robust: { source: 'adversarial_D', trainedAs: 'standard_DR' },
  nonrobust: { source: 'standard_D', trainedAs: 'standard_DNR' },
  rand: { source: 'standard_D', trainedAs: 'standard_Drand' },
  det: { source: 'standard_D', trainedAs: 'standard_Ddet' },
};

/**
 * Relative cost of one image through one gradient of the input (an attack or inversion step)
 * against one training step of an image (forward, backward, update), the ratio measured on the
 * cnn with 1 thread (CHANGELOG.md, 0.1.0). Only priorities and progress use it.
 */
const INPUT_GRADIENT_COST = 0.55;

export function trainConfig(
  o: ReproduceOptions,
  data: string,
  adversarial: boolean,
  epochs: number,
): TrainConfig {
  const p = o.profile;
  const r = adversarial ? p.adversarial.optimizer : p.optimizer;
  const { norm, eps, steps } = p.adversarial;
  return {
    model: p.model,
    data,
    trainLimit: data === o.data ? p.trainLimit : undefined,
    testData: o.data,
    testLimit: p.testLimit,
    epochs,
    batchSize: p.batchSize,
    optimizer: r.name,
    lr: r.lr,
    ...(r.momentum !== undefined ? { momentum: r.momentum } : {}),
    ...(r.weightDecay ? { weightDecay: r.weightDecay } : {}),
    schedule:
      'cosine' /* a constant rate left the last epoch's test accuracy swinging ±10 points on 5,000 images */,
    seed: p.seed,
    ...(adversarial ? { adversarial: { norm, eps, steps } } : {}),
  };
}

export function constructConfig(o: ReproduceOptions, kind: ConstructKind): ConstructConfig {
  const p = o.profile;
  const inversion = kind === 'robust' || kind === 'nonrobust';
  return {
    ...constructDefaults(kind),
    kind,
    checkpoint: path.join(o.out, SOURCES[kind].source),
    data: o.data,
    limit: p.trainLimit,
    seed: p.seed,
    ...(inversion
      ? {
          steps: p.inversion.steps,
          stepSize: p.inversion.stepSize,
          start: p.inversion.start,
          fakeRelu: p.inversion.fakeRelu,
        }
      : {
          steps: p.relabel.steps,
          stepSize: p.relabel.stepSize,
          eps: p.relabel.eps,
          norm: p.relabel.norm,
        }),
  };
}

/** A training step is finished when its final checkpoint exists with all epochs. */
function trained(dir: string, epochs: number): boolean {
  if (
    !fs.existsSync(path.join(dir, 'metrics.json')) ||
    !fs.existsSync(path.join(dir, 'model.json'))
  )
    return false;
  return readManifest(dir).epochsDone >= epochs;
}

const built = (dir: string) =>
  readDatasetManifest(dir) !== undefined && fs.existsSync(path.join(dir, 'images.npy'));

export async function planReproduction(o: ReproduceOptions, slots: number): Promise<DagTask[]> {
  const p = o.profile;
  const dir = (name: string) => path.join(o.out, name);
  const n = (await loadDataset(o.data, { split: 'train', limit: p.trainLimit, seed: p.seed }))
    .shape[0];
  const testN = p.testLimit ?? 10_000;
  const threaded = slots > 1;
  /** In a pool thread when there is a pool, else here. */
  const exec =
    (job: ThreadJob, here: (ctx: JobContext) => Promise<unknown>) => async (ctx: JobContext) => {
      if (threaded) await runInThread(job, ctx);
      else await here(ctx);
    };
  const tasks: DagTask[] = [];

  const train = (
    name: string,
    data: string,
    adversarial: boolean,
    epochs: number,
    deps: string[],
  ) => {
    const cfg = trainConfig(o, data, adversarial, epochs);
    const perImage = 1 + (adversarial ? p.adversarial.steps * INPUT_GRADIENT_COST : 0);
    tasks.push({
      id: name,
      step: name,
      deps,
      cost: epochs * n * perImage,
      done: () => trained(dir(name), epochs),
      run: exec({ kind: 'train', cfg, outDir: dir(name) }, (ctx) =>
        trainModel(cfg, dir(name), { ...ctx, resume: true }),
      ),
    });
  };

  const construct = (kind: ConstructKind) => {
    const cfg = constructConfig(o, kind);
    const out = dir(`D_${kind}`);
    const step = `D_${kind}`;
    const deps = [SOURCES[kind].source];
    const perImage = cfg.steps * INPUT_GRADIENT_COST;
    const whole = async (ctx: JobContext) => {
      const r = await buildConstructed(cfg, out, { ...ctx, poolSize: 1 });
      if (!r.complete) throw new Error(`${out}: build incomplete`);
    };
    if (!threaded) {
      tasks.push({ id: step, step, deps, cost: n * perImage, done: () => built(out), run: whole });
      return step;
    }
    const chunks = Math.ceil(n / cfg.chunkSize);
    const prep = `prep ${step}`;
    // Before any thread writes a chunk: record the settings (a rerun with others is refused) and clear a killed run's staging.
    tasks.push({
      id: prep,
      step,
      deps,
      cost: 0,
      inline: true,
      done: () => built(out),
      run: () => Promise.resolve((recordConfig(out, cfg), prepareChunks(out))),
    });
    const parts = Array.from({ length: chunks }, (_, k) => `${step}#${k}`);
    parts.forEach((id, k) => {
      const size = Math.min(n, (k + 1) * cfg.chunkSize) - k * cfg.chunkSize;
      tasks.push({
        id,
        step,
        deps: [prep],
        cost: size * perImage,
        done: () => built(out) || chunkDone(out, k),
        run: (ctx) =>
          runInThread(
            { kind: 'construct', cfg, outDir: out, shard: { index: k, count: chunks } },
            ctx,
          ),
      });
    });
    // Joins the chunks (reads and writes files; no attack): on this thread.
    tasks.push({
      id: `assemble ${step}`,
      step,
      deps: parts,
      cost: 0,
      inline: true,
      done: () => built(out),
      run: whole,
    });
    return `assemble ${step}`;
  };

  const evaluate = (name: string) => {
    const settings = evalSettings(o.data, p);
    tasks.push({
      id: `eval ${name}`,
      step: `eval ${name}`,
      deps: [name],
      cost: testN * (p.evaluation.steps * INPUT_GRADIENT_COST + 0.3),
      done: () => cachedEval(dir(name), settings) !== undefined,
      run: exec({ kind: 'eval', dir: dir(name), settings }, (ctx) =>
        evaluateCached(dir(name), settings, ctx),
      ),
    });
  };

  train('standard_D', o.data, false, p.epochs, []);
  train('adversarial_D', o.data, true, p.epochs, []);
  for (const kind of ['robust', 'nonrobust', 'rand', 'det'] as const) {
    const last = construct(kind);
    train(SOURCES[kind].trainedAs, `npy:${dir(`D_${kind}`)}`, false, p.constructedEpochs, [last]);
  }
  EVALUATED.forEach(evaluate);
  return tasks;
}
