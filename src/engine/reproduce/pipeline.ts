/**
 * The paper's pipeline in one call (Figure 2 and Table 1): standard and adversarial training on D;
 * D_R, D_NR, D_rand, D_det built from them; standard training on each; evaluation on the original
 * test set. Every step writes its own folder and is skipped when a rerun finds it finished.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobContext } from '../types';
import { trainModel } from '../train/trainModel';
import type { TrainConfig } from '../train/config';
import { buildConstructed } from '../construct/build';
import { constructDefaults, type ConstructKind } from '../construct/config';
import type { BuildSummary } from '../construct/assemble';
import { loadCheckpoint, readManifest, writeJsonAtomic } from '../models/checkpoint';
import { loadDataset } from '../data/load';
import { inferenceFn } from '../eval/accuracy';
import { evaluateRobustness, type RobustEvalResult } from '../eval/robust';
import type { ReproduceProfile } from './profiles';
import { writeReport, type ReproduceResults, type StepTiming } from './report';

export interface ReproduceOptions {
  profile: ReproduceProfile;
  data: string;
  out: string;
  /** Threads for dataset construction (default 1). */
  poolSize?: number;
}

type Step = { name: string; run: (ctx: JobContext) => Promise<void> };

export async function reproduce(o: ReproduceOptions, ctx: JobContext = {}): Promise<ReproduceResults> {
  const p = o.profile;
  const dir = (name: string) => path.join(o.out, name);
  const train = (data: string, adversarial: boolean, epochs: number): TrainConfig => ({
    model: p.model, data, trainLimit: data === o.data ? p.trainLimit : undefined, testData: o.data, testLimit: p.testLimit, epochs, batchSize: p.batchSize,
    optimizer: 'adam', lr: p.lr, schedule: 'cosine' /* a constant rate left the last epoch's test accuracy swinging ±10 points on 5,000 images */, seed: p.seed, ...(adversarial ? { adversarial: p.adversarial } : {}),
  });
  const built: Partial<Record<ConstructKind, BuildSummary>> = {};
  const evals: Record<string, RobustEvalResult> = {};
  const construct = (kind: ConstructKind, source: string): Step => ({
    name: `D_${kind}`,
    run: async (c) => {
      const isInversion = kind === 'robust' || kind === 'nonrobust';
      const r = await buildConstructed({
        ...constructDefaults(kind), kind, checkpoint: dir(source), data: o.data, limit: p.trainLimit, seed: p.seed,
        ...(isInversion ? { steps: p.inversion.steps, stepSize: p.inversion.stepSize, start: p.inversion.start } : { steps: p.relabel.steps, stepSize: p.relabel.stepSize, eps: p.relabel.eps }),
      }, dir(`D_${kind}`), { ...c, poolSize: o.poolSize });
      if (!r.complete) throw new Error(`D_${kind}: build incomplete`);
      built[kind] = r;
    },
  });
  const trainStep = (name: string, data: string, adversarial: boolean, epochs: number): Step => ({
    name,
    run: async (c) => {
      if (finished(dir(name), epochs)) return;
      await trainModel(train(data, adversarial, epochs), dir(name), { ...c, resume: true });
    },
  });
  const evalStep = (name: string): Step => ({
    name: `eval ${name}`,
    run: async (c) => {
      evals[name] = await evaluateCached(dir(name), o.data, p, c);
    },
  });
  const steps: Step[] = [
    trainStep('standard_D', o.data, false, p.epochs),
    trainStep('adversarial_D', o.data, true, p.epochs),
    construct('robust', 'adversarial_D'),
    construct('nonrobust', 'standard_D'),
    construct('rand', 'standard_D'),
    construct('det', 'standard_D'),
    trainStep('standard_DR', `npy:${dir('D_robust')}`, false, p.constructedEpochs),
    trainStep('standard_DNR', `npy:${dir('D_nonrobust')}`, false, p.constructedEpochs),
    trainStep('standard_Drand', `npy:${dir('D_rand')}`, false, p.constructedEpochs),
    trainStep('standard_Ddet', `npy:${dir('D_det')}`, false, p.constructedEpochs),
    ...['standard_D', 'adversarial_D', 'standard_DR', 'standard_DNR', 'standard_Drand', 'standard_Ddet'].map(evalStep),
  ];
  fs.mkdirSync(o.out, { recursive: true });
  const timingsFile = path.join(o.out, 'timings.json');
  const timings: StepTiming[] = fs.existsSync(timingsFile) ? (JSON.parse(fs.readFileSync(timingsFile, 'utf8')) as StepTiming[]) : [];
  for (const [i, step] of steps.entries()) {
    const t0 = Date.now();
    ctx.log?.(`[${i + 1}/${steps.length}] ${step.name}`);
    await step.run({
      ...ctx,
      onProgress: (e) => ctx.onProgress?.({ ...e, phase: `reproduce: ${step.name}`, fraction: (i + e.fraction) / steps.length, step: i + 1, steps: steps.length }),
    });
    const seconds = (Date.now() - t0) / 1000;
    const old = timings.find((t) => t.step === step.name);
    // A rerun that skipped a finished step keeps the time the step really took.
    if (!old) timings.push({ step: step.name, seconds });
    else if (seconds > 1) old.seconds = seconds;
    writeJsonAtomic(timingsFile, timings);
  }
  return writeReport(o, built, evals, timings);
}

/** A training step is finished when its final checkpoint exists with all epochs. */
function finished(dir: string, epochs: number): boolean {
  if (!fs.existsSync(path.join(dir, 'metrics.json')) || !fs.existsSync(path.join(dir, 'model.json'))) return false;
  return readManifest(dir).epochsDone >= epochs;
}

/** Evaluation on the original test set, cached in DIR/eval.json under the settings it used. */
async function evaluateCached(dir: string, data: string, p: ReproduceProfile, ctx: JobContext): Promise<RobustEvalResult> {
  const file = path.join(dir, 'eval.json');
  const settings = { data, testLimit: p.testLimit, seed: p.seed, ...p.evaluation };
  if (fs.existsSync(file)) {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { settings: unknown; result: RobustEvalResult };
    if (JSON.stringify(cached.settings) === JSON.stringify(settings)) return cached.result;
  }
  const ckpt = await loadCheckpoint(dir);
  try {
    const test = await loadDataset(data, { split: 'test', limit: p.testLimit, seed: p.seed, signal: ctx.signal });
    const e = p.evaluation;
    const result = await evaluateRobustness(inferenceFn(ckpt.model), test, { norm: e.norm, eps: [e.eps], steps: e.steps, restarts: e.restarts, randomStart: false, seed: p.seed, batchSize: 250 }, ctx);
    writeJsonAtomic(file, { settings, result, testSet: test.source });
    return result;
  } finally {
    ckpt.model.dispose();
  }
}
