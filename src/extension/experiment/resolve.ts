/**
 * From an experiment file's step to the command argument that runs it: output folders under
 * the experiment's folder, checkpoint references by an earlier step's `out` name or by path.
 */
import * as path from 'node:path';
import { DEFAULT_TRAIN, EXPERIMENT_THREAT } from '../../engine/formats/presets';
import type { Experiment, ExperimentStep } from '../../shared/experiment';
import type { TrainCommandArgs } from '../commands/train';
import type { BuildCommandArgs } from '../commands/construct';
import type { EvaluateCommandArgs } from '../commands/evaluate';
import type { ReproduceCommandArgs } from '../commands/reproduce';

export type StepCommand =
  | {
      command: 'robustFeatures.trainModel' | 'robustFeatures.adversariallyTrainModel';
      args: TrainCommandArgs;
    }
  | {
      command:
        | 'robustFeatures.buildRobustDataset'
        | 'robustFeatures.buildNonRobustDataset'
        | 'robustFeatures.buildRelabeledDataset';
      args: BuildCommandArgs;
    }
  | { command: 'robustFeatures.evaluateRobustness'; args: EvaluateCommandArgs }
  | { command: 'robustFeatures.reproducePaper'; args: ReproduceCommandArgs };

export interface ResolveContext {
  /** The experiment file's folder (relative paths in it resolve here). */
  fileDir: string;
  /** The workspace folder (relative `output` resolves here), else fileDir. */
  workspaceDir: string;
  /** robustFeatures.runsFolder, absolute. */
  runsFolder: string;
  /** robustFeatures.dataPath as a dataset spec. */
  defaultData: string;
}

export function experimentOutDir(x: Experiment, c: ResolveContext): string {
  return x.output ? path.resolve(c.workspaceDir, x.output) : path.join(c.runsFolder, x.name);
}

/** The label of a step's CodeLens: Run (training, reproduce), Build (construct), Evaluate. */
export function lensTitle(step: ExperimentStep): string {
  switch (step.type) {
    case 'construct':
      return `$(database) Build D_${step.kind} → ${step.out}`;
    case 'evaluate':
      return `$(shield) Evaluate ${step.checkpoint}`;
    case 'train':
      return `$(play) Run: train ${step.out}`;
    case 'adversarialTrain':
      return `$(play) Run: adversarially train ${step.out}`;
    case 'reproduce':
      return `$(play) Run: reproduce (${step.profile ?? 'quick'})`;
    default: {
      const never: never = step;
      return never;
    }
  }
}

export function resolveStep(x: Experiment, index: number, c: ResolveContext): StepCommand {
  const step = x.steps[index];
  if (!step) throw new Error(`experiment ${x.name} has no step ${index + 1}`);
  const out = experimentOutDir(x, c);
  const b = x.budgets ?? {};
  const data = x.dataset ?? c.defaultData;
  const outs = new Set(x.steps.flatMap((s) => ('out' in s && s.out ? [s.out] : [])));
  // A step's own name first (an earlier step's folder), else a path relative to the file.
  const ref = (p: string): string => (outs.has(p) ? path.join(out, p) : path.resolve(c.fileDir, p));
  const name = `${x.name}: ${step.type}${'out' in step && step.out ? ` ${step.out}` : ''}`;
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
      const args: TrainCommandArgs = {
        name,
        outDir: path.join(out, step.out),
        config: {
          model: step.model ?? x.model ?? 'mlp',
          data: stepData,
          // Models trained on a constructed dataset are tested on the original one (the paper's protocol).
          ...(stepData !== data ? { testData: data } : {}),
          epochs: step.epochs ?? b.epochs ?? DEFAULT_TRAIN.epochs,
          batchSize: b.batchSize ?? DEFAULT_TRAIN.batchSize,
          ...((step.trainLimit ?? b.trainLimit)
            ? { trainLimit: step.trainLimit ?? b.trainLimit }
            : {}),
          ...(b.testLimit ? { testLimit: b.testLimit } : {}),
          ...(step.type === 'train' && step.lr ? { lr: step.lr } : {}),
          seed: b.seed ?? DEFAULT_TRAIN.seed,
          ...(adv
            ? {
                adversarial: {
                  norm: adv.norm,
                  eps: adv.eps,
                  steps: adv.steps ?? EXPERIMENT_THREAT.steps,
                },
              }
            : {}),
        },
      };
      return {
        command: adv ? 'robustFeatures.adversariallyTrainModel' : 'robustFeatures.trainModel',
        args,
      };
    }
    case 'construct': {
      const command =
        step.kind === 'robust'
          ? 'robustFeatures.buildRobustDataset'
          : step.kind === 'nonrobust'
            ? 'robustFeatures.buildNonRobustDataset'
            : 'robustFeatures.buildRelabeledDataset';
      const config: BuildCommandArgs['config'] = { limit: step.limit ?? 1000, seed: b.seed ?? 0 };
      if (step.steps) config.steps = step.steps;
      if (step.stepSize) config.stepSize = step.stepSize;
      if (step.eps) config.eps = step.eps;
      return {
        command,
        args: {
          name,
          kind: step.kind,
          checkpoint: ref(step.checkpoint),
          data,
          outDir: path.join(out, step.out),
          config,
        },
      };
    }
    case 'evaluate': {
      const tm = x.threatModel;
      return {
        command: 'robustFeatures.evaluateRobustness',
        args: {
          name,
          checkpoint: ref(step.checkpoint),
          norm: step.norm ?? tm?.norm ?? 'l2',
          eps: step.eps ?? (tm ? [tm.eps] : [0.5, 1, 1.5, 2]),
          steps: step.steps ?? b.attackSteps ?? 20,
          limit: step.limit ?? b.testLimit ?? 1000,
          seed: b.seed ?? 0,
        },
      };
    }
    case 'reproduce':
      return {
        command: 'robustFeatures.reproducePaper',
        args: {
          name,
          profile: step.profile ?? 'quick',
          data,
          outDir: path.join(out, step.out ?? 'reproduce'),
        },
      };
    default: {
      const never: never = step;
      return never;
    }
  }
}
