/**
 * The panels (issue 6): Results (Figure 2, Table 1, accuracy–ε and training curves), Gallery
 * (originals beside D_R, D_NR, D_rand, D_det) and Diff (two images, their amplified difference
 * and its norms). Commands open them; serializers restore them after a reload.
 * Hooked into the extension by `registerPanels(context)` in extension.ts. Activation stays cheap:
 * the manager (and the engine's data readers it needs) loads on first use.
 */
import * as vscode from 'vscode';
import { VIEW_TYPES, parsePanelState, type PanelKind } from '../../shared/webviewProtocol';
import type { PanelManager } from './manager';
import type { PredictParams, PredictResult } from '../../shared/panelsPredictions';

export interface PanelsOptions {
  /**
   * Runs the worker's `panels/predict` request (src/worker/panelsRequests.ts). When given, the
   * gallery offers "Compute predictions…" for the checkpoints in its run folder.
   */
  predict?: (p: PredictParams) => Promise<PredictResult>;
}

/**
 * The predict hook extension.ts passes: a compute worker of the panels' own (predictClient.ts),
 * loaded and forked on first use, killed with the extension.
 */
export function workerPredict(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): (p: PredictParams) => Promise<PredictResult> {
  let worker: Promise<import('./predictClient').PredictWorker> | undefined;
  context.subscriptions.push({ dispose: () => void worker?.then((w) => w.dispose()) });
  return async (p) => {
    worker ??= Promise.all([import('./predictClient'), import('../config')]).then(
      ([{ PredictWorker }, { backendSetting }]) =>
        new PredictWorker(
          vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
          backendSetting,
          (l) => log.info(l),
        ),
    );
    return (await worker).predict(p);
  };
}

export function registerPanels(
  context: vscode.ExtensionContext,
  options: PanelsOptions = {},
): void {
  let manager: Promise<PanelManager> | undefined;
  const get = () =>
    (manager ??= import('./manager').then(({ PanelManager }) => {
      const m = new PanelManager(context.extensionUri, options.predict);
      context.subscriptions.push(m);
      return m;
    }));
  const cmd = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  cmd('robustFeatures.showResults', async (arg?: unknown) => {
    const { asFolder, pickResultsFolder } = await import('./pick');
    const folder = asFolder(arg) ?? (await pickResultsFolder());
    if (folder) (await get()).open('results', { folder });
  });
  cmd('robustFeatures.openGallery', async (arg?: unknown) => {
    const { asFolder, pickGalleryFolder } = await import('./pick');
    const folder = asFolder(arg) ?? (await pickGalleryFolder());
    if (folder) (await get()).open('gallery', { folder });
  });
  // A theory run folder (Show Gaussian Theory opens it when its job is done).
  // From the Runs view: its tree node ({type: 'artifact', artifact: {dir}}).
  cmd('robustFeatures.openTheoryPanel', async (arg?: unknown) => {
    const { asFolder, pickTheoryFolder } = await import('./pick');
    const node = arg as { type?: string; artifact?: { dir?: unknown } } | undefined;
    const dir =
      node?.type === 'artifact' && typeof node.artifact?.dir === 'string'
        ? node.artifact.dir
        : undefined;
    const folder = dir ?? asFolder(arg) ?? (await pickTheoryFolder());
    if (folder) (await get()).open('theory', { folder });
  });
  // From the gallery or a caller: (ImageRef, ImageRef). From the Explorer: (uri, [uri, uri]).
  // By command alone: the original of image k beside its version in a chosen constructed set.
  cmd('robustFeatures.compareImages', async (a?: unknown, b?: unknown) => {
    const m = await get();
    const refs = await m.refsFromArgs(a, b);
    if (refs) m.open('diff', { a: refs[0], b: refs[1] });
  });

  for (const kind of Object.keys(VIEW_TYPES) as PanelKind[]) {
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPES[kind], {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          (await get()).restore(kind, panel, parsePanelState(state));
        },
      }),
    );
  }
}
