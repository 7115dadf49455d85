/**
 * What the extension shows without running anything: diagnostics and CodeLens on experiment
 * files, checkpoint hovers, Explorer decorations, the Runs view. All refresh on file changes.
 * Everything here only reads JSON files, so it also works in Restricted Mode.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CheckpointDecorationProvider } from './checkpoints/decorations';
import { CheckpointHoverProvider } from './checkpoints/hover';
import { registerExperimentDiagnostics } from './experiment/diagnostics';
import { ExperimentCodeLensProvider } from './experiment/codeLens';
import { deleteRun, revealRun } from './runsView/actions';
import { nodeUri, RunsTreeProvider } from './runsView/tree';
import { updateRunContext } from './contextKeys';

export interface WorkspaceFeatures {
  decorations: CheckpointDecorationProvider;
  tree: RunsTreeProvider;
}

export const RUNS_VIEW = 'robustFeatures.runs';

export function registerWorkspaceFeatures(context: vscode.ExtensionContext): WorkspaceFeatures {
  const decorations = new CheckpointDecorationProvider();
  const tree = new RunsTreeProvider();
  const lenses = new ExperimentCodeLensProvider();
  const experimentFiles: vscode.DocumentSelector = [
    { scheme: 'file', pattern: '**/*.rfl.json' },
    { scheme: 'untitled', pattern: '**/*.rfl.json' },
  ];
  const sub = (...d: vscode.Disposable[]) => context.subscriptions.push(...d);
  sub(
    vscode.window.registerFileDecorationProvider(decorations),
    vscode.languages.registerHoverProvider(
      [{ scheme: 'file' }, { scheme: 'untitled' }],
      new CheckpointHoverProvider(),
    ),
    vscode.languages.registerCodeLensProvider(experimentFiles, lenses),
    vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: tree, showCollapseAll: true }),
    vscode.commands.registerCommand('robustFeatures.refreshRuns', () => tree.refresh(true)),
    vscode.commands.registerCommand('robustFeatures.revealRun', revealRun),
    // The panels take a folder Uri; the Runs view hands over its tree node.
    vscode.commands.registerCommand('robustFeatures.openRunInGallery', (arg: unknown) =>
      vscode.commands.executeCommand('robustFeatures.openGallery', nodeUri(arg)),
    ),
    vscode.commands.registerCommand('robustFeatures.showRunResults', (arg: unknown) =>
      vscode.commands.executeCommand('robustFeatures.showResults', nodeUri(arg)),
    ),
    vscode.commands.registerCommand(
      'robustFeatures.deleteRun',
      async (arg: unknown, opts?: { confirm?: boolean }) => {
        const deleted = await deleteRun(arg, opts);
        if (deleted) tree.refresh(true);
        return deleted;
      },
    ),
  );
  registerExperimentDiagnostics(context);

  // metrics.json / manifest.json: a checkpoint's numbers (badge, tree); *.rfl.json: the Experiments group.
  let contextTimer: NodeJS.Timeout | undefined;
  const refreshContext = () => {
    clearTimeout(contextTimer);
    contextTimer = setTimeout(updateRunContext, 300);
  };
  const onArtifactFile = (uri: vscode.Uri) => {
    decorations.refreshDir(vscode.Uri.file(path.dirname(uri.fsPath)));
    tree.refresh();
    refreshContext();
  };
  const watchers = [
    vscode.workspace.createFileSystemWatcher('**/{metrics,manifest}.json'),
    vscode.workspace.createFileSystemWatcher('**/*.rfl.json'),
  ];
  for (const w of watchers) {
    sub(
      w,
      w.onDidCreate(onArtifactFile),
      w.onDidChange(onArtifactFile),
      w.onDidDelete(onArtifactFile),
    );
  }
  // Folders deleted as a whole report only the folder.
  sub(
    vscode.workspace.onDidDeleteFiles(() => {
      tree.refresh();
      refreshContext();
    }),
  );
  return { decorations, tree };
}
