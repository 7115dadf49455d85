/**
 * The job commands beyond training, and the experiment-file commands. Each loads its module on
 * first use; each accepts an argument object so callers (CodeLens, tests, tasks) need no UI.
 */
import * as vscode from 'vscode';
import type { Services } from './services';
import type { BuildCommandArgs } from './commands/construct';
import type { EvaluateCommandArgs } from './commands/evaluate';
import type { ReproduceCommandArgs } from './commands/reproduce';
import type { TheoryCommandArgs } from './commands/theory';
import type { TransferCommandArgs } from './commands/transfer';
import type { GradientsCommandArgs } from './commands/gradients';
import type { NewExperimentArgs } from './experiment/scaffold';

export function registerJobCommands(
  context: vscode.ExtensionContext,
  getServices: () => Promise<Services>,
): void {
  const register = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const build =
    (which: 'robust' | 'nonrobust' | 'relabeled') => async (args?: BuildCommandArgs | vscode.Uri) =>
      (await import('./commands/construct')).buildDatasetCommand(
        getServices,
        which,
        // From the Explorer or the Runs view: the checkpoint folder.
        args instanceof vscode.Uri ? { checkpoint: args.fsPath } : args,
      );
  register('robustFeatures.buildRobustDataset', build('robust'));
  register('robustFeatures.buildNonRobustDataset', build('nonrobust'));
  register('robustFeatures.buildRelabeledDataset', build('relabeled'));
  register(
    'robustFeatures.evaluateRobustness',
    async (
      args?: EvaluateCommandArgs | vscode.Uri | { type: 'artifact'; artifact: { dir: string } },
    ) => {
      const a =
        args && !(args instanceof vscode.Uri) && 'type' in args
          ? vscode.Uri.file(args.artifact.dir)
          : args;
      return (await import('./commands/evaluate')).evaluateCommand(getServices, a);
    },
  );
  register('robustFeatures.reproducePaper', async (args?: ReproduceCommandArgs) =>
    (await import('./commands/reproduce')).reproduceCommand(getServices, args),
  );
  register('robustFeatures.runTransfer', async (args?: TransferCommandArgs | vscode.Uri) =>
    (await import('./commands/transfer')).transferCommand(getServices, args),
  );
  register('robustFeatures.computeGradientMaps', async (args?: GradientsCommandArgs) =>
    (await import('./commands/gradients')).gradientsCommand(getServices, args),
  );
  register('robustFeatures.showTheory', async (args?: TheoryCommandArgs) =>
    (await import('./commands/theory')).theoryCommand(getServices, args),
  );
  register('robustFeatures.newExperimentFile', async (args?: NewExperimentArgs) =>
    (await import('./experiment/scaffold')).newExperimentFile(args),
  );
  // From the Runs view the argument is its tree node ({ uri }).
  register('robustFeatures.runExperiment', async (arg?: vscode.Uri | { uri?: vscode.Uri }) =>
    (await import('./experiment/run')).runExperiment(arg instanceof vscode.Uri ? arg : arg?.uri),
  );
  register('robustFeatures.runExperimentStep', async (uri?: vscode.Uri, index?: number) =>
    (await import('./experiment/run')).runExperimentStep(uri, index),
  );
}
