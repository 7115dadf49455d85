/**
 * Entry point. Activation stays cheap (a bench row: npm run bench:activation): it registers commands and creates the log
 * channel, nothing else. The job queue, status bar and worker client are loaded on first use
 * (`import('./services')`, kept lazy by esbuild), and a worker process is forked only when a
 * command needs compute.
 */
import * as vscode from 'vscode';
import type { RobustFeaturesApi } from './api';
import type { Services } from './services';
import type { TrainCommandArgs } from './commands/train';
import { registerPanels, workerPredict } from './panels';
import { registerJobCommands } from './jobCommands';
import { registerWorkspaceFeatures } from './workspaceFeatures';
import { updateDataContext, updateRunContext } from './contextKeys';

let services: Services | undefined;

export function activate(context: vscode.ExtensionContext): RobustFeaturesApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Robust Features', { log: true });
  context.subscriptions.push(log, { dispose: () => services?.dispose() });

  let loading: Promise<Services> | undefined;
  const getServices = (): Promise<Services> =>
    (loading ??= import('./services').then(({ Services }) => {
      services = new Services(context.extensionUri, log);
      return services;
    }));

  const register = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  register('robustFeatures.showBackend', async () =>
    (await import('./commands/showBackend')).showBackendCommand(getServices),
  );
  register('robustFeatures.trainModel', async (args?: TrainCommandArgs) =>
    (await import('./commands/train')).trainCommand(getServices, false, args),
  );
  register('robustFeatures.adversariallyTrainModel', async (args?: TrainCommandArgs) =>
    (await import('./commands/train')).trainCommand(getServices, true, args),
  );
  register('robustFeatures.cancelJob', async (jobId?: string) =>
    (await import('./commands/jobs')).cancelJobCommand(services, jobId),
  );
  register('robustFeatures.jobMenu', async () =>
    (await import('./commands/jobs')).jobMenuCommand(services, log),
  );
  register('robustFeatures.showLog', () => log.show(true));
  register('robustFeatures.locateData', async (uri?: vscode.Uri) =>
    (await import('./data')).locateDataCommand(uri),
  );
  registerJobCommands(context, getServices);
  const features = registerWorkspaceFeatures(context);
  registerPanels(context, { predict: workerPredict(context, log) });

  // Context keys read the file system: after activation, so that it stays cheap.
  const updateContext = () => {
    updateDataContext();
    updateRunContext();
  };
  setTimeout(updateContext, 0);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('robustFeatures')) updateContext();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(updateContext),
  );

  const activationMs = performance.now() - t0;
  log.info(
    `activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.workspace.isTrusted ? 'trusted' : 'restricted'} workspace)`,
  );
  if (context.extensionMode === vscode.ExtensionMode.Production) return {};
  return {
    testHooks: {
      activationMs,
      statusText: () => services?.statusBar.text,
      statusHistory: () => [...(services?.statusBar.history ?? [])],
      jobs: () =>
        (services?.queue.jobs ?? []).map((j) => ({
          id: j.id,
          name: j.name,
          state: j.state,
          cancelRequested: j.cancelRequested,
          workerRssMB: j.workerRssMB,
          ...(j.progress
            ? { progress: { fraction: j.progress.fraction, message: j.progress.message } }
            : {}),
        })),
      workerPids: () => services?.queue.workerPids() ?? [],
      servicesLoaded: () => services !== undefined,
      decoration: (fsPath: string) => {
        const d = features.decorations.provideFileDecoration(vscode.Uri.file(fsPath));
        return d ? { badge: d.badge, tooltip: d.tooltip } : undefined;
      },
      runsTree: () => {
        features.tree.refresh(true);
        return features.tree.snapshot();
      },
    },
  };
}

export function deactivate(): void {
  // Kill workers now: VS Code gives deactivate little time, and an orphan would keep computing.
  services?.dispose();
  services = undefined;
}
