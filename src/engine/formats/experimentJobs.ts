/**
 * From an experiment file's step to the job that runs it, with every default filled in: the one
 * resolution that `robust-features run` and the extension's experiment runner both use, so that
 * a step leaves the same files wherever it runs. Output folders sit under the experiment's
 * folder; a checkpoint reference is an earlier step's `out` name or a path relative to the file.
 * Tensor-free, like all of formats/: the extension bundle imports it.
 */
import * as path from 'node:path';
import type { Experiment, ExperimentStep } from '../../shared/experiment';
import type {
  ConstructConfig,
  JobRequest,
  TheoryConfig,
  TrainConfig,
} from '../../shared/workerProtocol';
import {
  constructPreset,
  DEFAULT_TRAIN,
  EXPERIMENT_THREAT,
  GRADIENT_DEFAULTS,
  TRANSFER_DEFAULTS,
} from './presets';

export interface ExperimentContext {
  /** The experiment file's folder (relative paths in it resolve here). */
  fileDir: string;
  /** The workspace folder (relative `output` resolves here), else fileDir. */
  workspaceDir: string;
  /** Where `<name>/` goes when the experiment sets no `output`. */
  runsFolder: string;
  /** The dataset spec when the experiment names none (robustFeatures.dataPath; CLI: fashion-mnist). */
  defaultData: string;
}

export interface ExperimentJob {
  /** `<experiment>: <type> <out>`: status bar, notifications, CLI log. */
  name: string;
  request: JobRequest;
  /** The folder the step writes. */
  outDir: string;
}

/** Evaluation's ε list when neither the step nor the experiment's threat model gives one. */
export const DEFAULT_EVAL_EPS = [0.5, 1, 1.5, 2] as const;
export const DEFAULT_EVAL_STEPS = 20;
/** Test images of an evaluation unless given. */
export const DEFAULT_EVAL_LIMIT = 1000;

export function experimentOutDir(x: Experiment, c: ExperimentContext): string {
  return x.output ? path.resolve(c.workspaceDir, x.output) : path.join(c.runsFolder, x.name);
}

/** A step's 1-based number or `out` name → its index; undefined when none matches. */
export function findStep(x: Experiment, id: string): number | undefined {
  if (/^\d+$/.test(id)) {
    const i = Number(id) - 1;
    return i >= 0 && i < x.steps.length ? i : undefined;
  }
  const i = x.steps.findIndex((s) => 'out' in s && s.out === id);
  return i < 0 ? undefined : i;
}

export function stepLabel(step: ExperimentStep): string {
  return `${step.type}${'out' in step && step.out ? ` → ${step.out}` : ''}`;
}

export function experimentJob(x: Experiment, index: number, c: ExperimentContext): ExperimentJob {
  const step = x.steps[index];
  if (!step) throw new Error(`experiment ${x.name} has no step ${index + 1}`);
  const out = experimentOutDir(x, c);
  const b = x.budgets ?? {};
  const seed = b.seed ?? 0;
  const data = x.dataset ?? c.defaultData;
  const outs = new Set(x.steps.flatMap((s) => ('out' in s && s.out ? [s.out] : [])));
  // A step's own name first (an earlier step's folder), else a path relative to the file.
  const ref = (p: string): string => (outs.has(p) ? path.join(out, p) : path.resolve(c.fileDir, p));
  const name = `${x.name}: ${stepLabel(step)}`;
  const job = (request: JobRequest, outDir: string): ExperimentJob => ({ name, request, outDir });
  switch (step.type) {
    case 'train':
    case 'adversarialTrain': {
      const adv =
        step.type === 'adversarialTrain'
          ? (step.threatModel ?? x.threatModel ?? EXPERIMENT_THREAT)
          : undefined;
      const stepData =
        step.type === 'train' && step.data
          ? outs.has(step.data)
            ? `npy:${path.join(out, step.data)}`
            : step.data
          : data;
      const trainLimit = step.trainLimit ?? b.trainLimit;
      const config: TrainConfig = {
        ...DEFAULT_TRAIN,
        model: step.model ?? x.model ?? 'mlp',
        data: stepData,
        // Models trained on a constructed dataset are tested on the original one (the paper's protocol).
        ...(stepData !== data ? { testData: data } : {}),
        epochs: step.epochs ?? b.epochs ?? DEFAULT_TRAIN.epochs,
        batchSize: b.batchSize ?? DEFAULT_TRAIN.batchSize,
        ...(trainLimit ? { trainLimit } : {}),
        ...(b.testLimit ? { testLimit: b.testLimit } : {}),
        ...(step.type === 'train' && step.lr ? { lr: step.lr } : {}),
        seed,
        ...(adv
          ? {
              adversarial: {
                norm: adv.norm,
                eps: adv.eps,
                steps: adv.steps ?? EXPERIMENT_THREAT.steps,
              },
            }
          : {}),
      };
      const outDir = path.join(out, step.out);
      return job({ kind: 'train', params: { config, outDir } }, outDir);
    }
    case 'construct': {
      const config: ConstructConfig = {
        ...constructPreset(step.kind),
        ...(step.limit ? { limit: step.limit } : {}),
        ...(step.steps ? { steps: step.steps } : {}),
        ...(step.stepSize ? { stepSize: step.stepSize } : {}),
        ...(step.eps ? { eps: step.eps } : {}),
        ...(step.chunkSize ? { chunkSize: step.chunkSize } : {}),
        seed,
        kind: step.kind,
        checkpoint: ref(step.checkpoint),
        data,
      };
      const outDir = path.join(out, step.out);
      return job({ kind: 'construct', params: { config, outDir } }, outDir);
    }
    case 'evaluate': {
      const tm = x.threatModel;
      const checkpoint = ref(step.checkpoint);
      return job(
        {
          kind: 'evaluate',
          params: {
            checkpoint,
            norm: step.norm ?? tm?.norm ?? 'l2',
            eps: step.eps ?? (tm ? [tm.eps] : [...DEFAULT_EVAL_EPS]),
            steps: step.steps ?? b.attackSteps ?? DEFAULT_EVAL_STEPS,
            restarts: 0,
            limit: step.limit ?? b.testLimit ?? DEFAULT_EVAL_LIMIT,
            seed,
          },
        },
        checkpoint,
      );
    }
    case 'reproduce': {
      const outDir = path.join(out, step.out ?? 'reproduce');
      return job(
        { kind: 'reproduce', params: { profile: step.profile ?? 'quick', data, outDir } },
        outDir,
      );
    }
    case 'transfer': {
      const d = TRANSFER_DEFAULTS;
      const outDir = path.join(out, step.out);
      return job(
        {
          kind: 'transfer',
          params: {
            source: ref(step.source),
            out: outDir,
            ...(step.archs ? { archs: step.archs } : {}),
            trainLimit: step.trainLimit ?? d.trainLimit,
            testLimit: step.testLimit ?? d.testLimit,
            epochs: step.epochs ?? d.epochs,
            relabel: {
              eps: step.eps ?? d.relabel.eps,
              steps: step.steps ?? d.relabel.steps,
              stepSize: step.stepSize ?? d.relabel.stepSize,
            },
            seed,
          },
        },
        outDir,
      );
    }
    case 'gradients': {
      const d = GRADIENT_DEFAULTS;
      const outDir = path.join(out, step.out);
      return job(
        {
          kind: 'gradients',
          params: {
            standard: ref(step.standard),
            robust: ref(step.robust),
            out: outDir,
            n: step.n ?? d.n,
            eps: step.eps ?? d.eps,
            steps: step.steps ?? d.steps,
            ...(x.dataset ? { data: x.dataset } : {}),
            seed,
          },
        },
        outDir,
      );
    }
    case 'theory': {
      const outDir = path.join(out, step.out);
      return job(
        {
          kind: 'theory',
          params: {
            outDir,
            // Checked by the schema's shape here, in full by the worker's operation.
            ...(step.config ? { config: step.config as unknown as TheoryConfig } : {}),
          },
        },
        outDir,
      );
    }
    default: {
      const never: never = step;
      return never;
    }
  }
}
