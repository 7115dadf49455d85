/**
 * From an experiment file's step to the command that runs it. The job itself (folders, defaults)
 * comes from engine/formats/experimentJobs.ts, which `robust-features run` uses too; here it only
 * becomes the argument of the command that queues it, so that trust checks, notifications and
 * the panels opened after a job are those of the command.
 */
import {
  experimentJob,
  experimentOutDir,
  type ExperimentContext,
} from '../../engine/formats/experimentJobs';
import type { Experiment, ExperimentStep } from '../../shared/experiment';
import type { TrainCommandArgs } from '../commands/train';
import type { BuildCommandArgs } from '../commands/construct';
import type { EvaluateCommandArgs } from '../commands/evaluate';
import type { ReproduceCommandArgs } from '../commands/reproduce';
import type { TransferCommandArgs } from '../commands/transfer';
import type { GradientsCommandArgs } from '../commands/gradients';
import type { TheoryCommandArgs } from '../commands/theory';

export { experimentOutDir };
export type ResolveContext = ExperimentContext;

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
  | { command: 'robustFeatures.reproducePaper'; args: ReproduceCommandArgs }
  | { command: 'robustFeatures.runTransfer'; args: TransferCommandArgs }
  | { command: 'robustFeatures.computeGradientMaps'; args: GradientsCommandArgs }
  | { command: 'robustFeatures.showTheory'; args: TheoryCommandArgs };

/** The label of a step's CodeLens: Run (training, reproduce, …), Build (construct), Evaluate. */
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
    case 'transfer':
      return `$(play) Run: transfer from ${step.source} → ${step.out}`;
    case 'gradients':
      return `$(play) Run: gradient maps → ${step.out}`;
    case 'theory':
      return `$(play) Run: Gaussian theory → ${step.out}`;
    default: {
      const never: never = step;
      return never;
    }
  }
}

export function resolveStep(x: Experiment, index: number, c: ResolveContext): StepCommand {
  const { name, request } = experimentJob(x, index, c);
  switch (request.kind) {
    case 'train': {
      const { config, outDir } = request.params;
      return {
        command: config.adversarial
          ? 'robustFeatures.adversariallyTrainModel'
          : 'robustFeatures.trainModel',
        args: { name, outDir, config },
      };
    }
    case 'construct': {
      const { kind, checkpoint, data, ...config } = request.params.config;
      const command =
        kind === 'robust'
          ? 'robustFeatures.buildRobustDataset'
          : kind === 'nonrobust'
            ? 'robustFeatures.buildNonRobustDataset'
            : 'robustFeatures.buildRelabeledDataset';
      return {
        command,
        args: { name, kind, checkpoint, data, outDir: request.params.outDir, config },
      };
    }
    case 'evaluate':
      return { command: 'robustFeatures.evaluateRobustness', args: { name, ...request.params } };
    case 'reproduce':
      return { command: 'robustFeatures.reproducePaper', args: { name, ...request.params } };
    case 'transfer': {
      const { out, ...params } = request.params;
      return { command: 'robustFeatures.runTransfer', args: { name, ...params, outDir: out } };
    }
    case 'gradients': {
      const { out, ...params } = request.params;
      return {
        command: 'robustFeatures.computeGradientMaps',
        args: { name, ...params, outDir: out },
      };
    }
    case 'theory':
      return { command: 'robustFeatures.showTheory', args: request.params };
    default: {
      const never: never = request;
      return never;
    }
  }
}
