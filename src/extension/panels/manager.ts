/**
 * Creates, reveals and restores the panels and runs their host side: what each posts after the
 * ready handshake, what it does with each (validated) message. One Results and one Gallery panel
 * per folder (opening again reveals it); one Diff panel, reused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  VIEW_TYPES,
  isImageRef,
  type ImageRef,
  type PanelKind,
  type PanelState,
  type HostMessage,
} from '../../shared/webviewProtocol';
import { DatasetCache, findConstructed, KIND_TITLES } from './datasets';
import { computeDiff } from './diffData';
import { GalleryModel } from './galleryData';
import { Panel, webviewOptions, type PanelEnv } from './panel';
import { pickGalleryFolder } from './pick';
import { jobsAllowed } from '../trust';
import { resolveInside } from './safePath';
import { readResultsFolder, resultsSignature } from './resultsData';
import { readTheoryFolder } from './theoryData';
import { isGradientsFolder, readGradientsFolder } from './gradientsData';
import type { PredictParams, PredictResult } from '../../shared/panelsPredictions';
import { errorMessage } from '../../shared/errorMessage';

const TITLES: Record<PanelKind, string> = {
  results: 'Results',
  gallery: 'Gallery',
  diff: 'Compare Images',
  theory: 'Gaussian Theory',
};

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, Panel>();
  private readonly cache = new DatasetCache();
  private channel: vscode.LogOutputChannel | undefined;
  private readonly env: PanelEnv;

  constructor(
    extensionUri: vscode.Uri,
    private readonly predict?: (p: PredictParams) => Promise<PredictResult>,
  ) {
    this.env = {
      extensionUri,
      log: (level, line) =>
        (this.channel ??= vscode.window.createOutputChannel('Robust Features Panels', {
          log: true,
        }))[level](line),
    };
  }

  private key(kind: PanelKind, s: PanelState): string {
    return kind === 'diff' ? 'diff' : `${kind}:${path.resolve(s.folder ?? '')}`;
  }

  private roots(s: PanelState): vscode.Uri[] {
    const dirs = [s.folder, s.a?.folder, s.b?.folder].filter((d): d is string => !!d);
    // Only the run folder(s) this panel shows (images travel as data: URLs; nothing else is needed).
    return dirs.map((d) =>
      vscode.Uri.file(s.folder && d === s.folder ? path.resolve(d) : kindRoot(d)),
    );
  }

  open(kind: PanelKind, state: PanelState): void {
    const existing = this.panels.get(this.key(kind, state));
    if (existing && kind !== 'diff') {
      existing.panel.reveal();
      return;
    }
    if (existing) {
      existing.panel.webview.options = webviewOptions(this.env, this.roots(state));
      this.attach(existing, state);
      existing.panel.reveal();
      return;
    }
    const title = `${TITLES[kind]}${state.folder ? `: ${path.basename(state.folder)}` : ''}`;
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPES[kind],
      title,
      vscode.ViewColumn.Active,
      webviewOptions(this.env, this.roots(state)),
    );
    this.restore(kind, panel, state);
  }

  restore(kind: PanelKind, webviewPanel: vscode.WebviewPanel, state: PanelState): void {
    const p = new Panel(kind, webviewPanel, this.env, this.roots(state));
    const key = this.key(kind, state);
    this.panels.set(key, p);
    p.onDispose = () => {
      if (this.panels.get(key) === p) this.panels.delete(key);
    };
    this.attach(p, state);
  }

  private attach(p: Panel, state: PanelState): void {
    switch (p.kind) {
      case 'results':
        return this.attachResults(p, state.folder ?? '');
      case 'gallery':
        return this.attachGallery(p, state.folder ?? '');
      case 'diff':
        return this.attachDiff(p, state);
      case 'theory':
        return this.attachTheory(p, state.folder ?? '');
      default: {
        const never: never = p.kind;
        throw new Error(`unknown panel ${String(never)}`);
      }
    }
  }

  private attachResults(p: Panel, folder: string): void {
    const send = () => p.post({ type: 'results', data: readResultsFolder(folder) });
    p.onReady = send;
    // Live: a job writing into the folder (a new epoch in a manifest, results.json) refreshes the
    // panel. A file watcher, and a cheap poll of the files' mtimes while the panel is visible
    // (recursive watchers can be late or missing on remote and network file systems).
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(folder), '**/*.json'),
    );
    let timer: NodeJS.Timeout | undefined;
    let sig = resultsSignature(folder);
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        sig = resultsSignature(folder);
        send();
      }, 300);
    };
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    const poll = setInterval(() => {
      if (!p.panel.visible) return;
      const now = resultsSignature(folder);
      if (now !== sig) changed();
    }, 2000);
    const prev = p.onDispose;
    p.onDispose = () => {
      clearTimeout(timer);
      clearInterval(poll);
      watcher.dispose();
      prev();
    };
    p.onMessage = async (m) => {
      if (m.type === 'export') await this.exportFile(p, folder, m);
      else if (m.type === 'log') this.env.log(m.level, `results: ${m.message}`);
    };
  }

  /** A chart (PNG, SVG) or table (CSV) from a webview, written to <folder>/exports/<name>.<format>. */
  private async exportFile(
    p: Panel,
    folder: string,
    m: { name: string; format: 'csv' | 'png' | 'svg'; data: string },
  ): Promise<void> {
    const dir = path.join(folder, 'exports');
    await fs.promises.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${m.name}.${m.format}`);
    const bytes =
      m.format === 'png'
        ? Buffer.from(m.data.slice(m.data.indexOf(',') + 1), 'base64')
        : Buffer.from(m.data, 'utf8');
    // Temp file + rename, as every artifact: a reader never sees a half-written export.
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, file);
    p.post({ type: 'saved', path: file });
    void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(file)}`);
  }

  private attachTheory(p: Panel, folder: string): void {
    this.attachFolderView(p, folder, 'theory', () => ({
      type: 'theory',
      data: readTheoryFolder(folder),
    }));
  }

  /** A gradients run (robust-features gradients) in the gallery: per image, both models' maps. */
  private attachGradients(p: Panel, folder: string): void {
    this.attachFolderView(p, folder, 'gradients', () => ({
      type: 'gradients',
      data: readGradientsFolder(folder),
    }));
  }

  /** A panel that shows one folder's data, read when the webview is ready; exports and logs as the others. */
  private attachFolderView(p: Panel, folder: string, what: string, read: () => HostMessage): void {
    p.onReady = () => {
      try {
        p.post(read());
      } catch (e) {
        p.post({ type: 'error', message: errorMessage(e) });
      }
    };
    p.onMessage = async (m) => {
      if (m.type === 'export') await this.exportFile(p, folder, m);
      else if (m.type === 'log') this.env.log(m.level, `${what}: ${m.message}`);
    };
  }

  private attachGallery(p: Panel, folder: string): void {
    if (isGradientsFolder(folder)) return this.attachGradients(p, folder);
    let model: Promise<GalleryModel> | undefined;
    const load = () => (model ??= GalleryModel.load(folder, this.cache));
    load().catch(() => (model = undefined));
    p.onReady = () => {
      load().then(
        (g) => p.post({ type: 'gallery', data: { ...g.data, canPredict: !!this.predict } }),
        (e: unknown) => p.post({ type: 'error', message: errorMessage(e) }),
      );
    };
    const inFolder = (r: ImageRef) => {
      try {
        resolveInside(r.folder, [folder]);
        return true;
      } catch {
        return false;
      }
    };
    p.onMessage = async (m) => {
      switch (m.type) {
        case 'requestThumbs':
          p.post({ type: 'thumbs', thumbs: (await load()).thumbs(m.rows) });
          return;
        case 'openDiff':
          if (!inFolder(m.a) || !inFolder(m.b))
            throw new Error('compare: images must come from this gallery');
          this.open('diff', { a: m.a, b: m.b });
          return;
        case 'log':
          this.env.log(m.level, `gallery: ${m.message}`);
          return;
        case 'computePredictions':
          if (await this.computePredictions((await load()).data.columns)) {
            model = undefined;
            p.onReady();
          }
          return;
        case 'export':
          return this.exportFile(p, folder, m);
        default: {
          const never: never = m;
          throw new Error(`unhandled ${JSON.stringify(never)}`);
        }
      }
    };
  }

  private attachDiff(p: Panel, s: PanelState): void {
    const { a, b } = s;
    p.onReady = () => {
      if (!a || !b)
        return p.post({
          type: 'error',
          message: 'Nothing to compare: run "Compare Images" again.',
        });
      computeDiff(this.cache, a, b).then(
        (data) => p.post({ type: 'diff', data }),
        (e: unknown) => p.post({ type: 'error', message: errorMessage(e) }),
      );
    };
    p.onMessage = async (m) => {
      if (m.type === 'log') this.env.log(m.level, `diff: ${m.message}`);
      // Next to the first image's run folder (a dataset's parent; a PNG file's folder).
      else if (m.type === 'export' && a)
        await this.exportFile(p, a.file ? path.dirname(a.folder) : kindRoot(a.folder), m);
    };
    // Reused panel: its webview is already loaded and will not say ready again.
    if (p.isReady) p.onReady();
  }

  /**
   * Asks for a standard and a robust checkpoint (those found under the runs and workspace folders,
   * adversarially trained ones offered first for "robust"), then has the worker write their
   * predictions for every available column of the gallery.
   */
  private async computePredictions(
    columns: { key: string; folder: string; available: boolean }[],
  ): Promise<boolean> {
    const predict = this.predict;
    if (!predict || !jobsAllowed()) return false;
    const { pickCheckpoint } = await import('../commands/pick');
    const adversarial = (a: { manifest: Record<string, unknown> }) =>
      !!(a.manifest.training as { adversarial?: unknown } | undefined)?.adversarial;
    const standard = await pickCheckpoint(
      'Predictions: the standard checkpoint',
      (a) => !adversarial(a),
    );
    if (!standard) return false;
    const robust = await pickCheckpoint('Predictions: the robust checkpoint', adversarial);
    if (!robust) return false;
    const jobs = [standard, robust].flatMap((checkpoint) =>
      columns
        .filter((col) => col.available)
        .map((col) => ({ checkpoint, folder: col.folder, source: col.key === 'source' })),
    );
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Computing predictions',
        cancellable: false,
      },
      async (progress) => {
        for (const j of jobs) {
          progress.report({
            message: `${path.basename(j.checkpoint)} on ${path.basename(j.folder)}${j.source ? ' (source)' : ''}`,
            increment: 100 / jobs.length,
          });
          const r = await predict(j);
          this.env.log(
            'info',
            `predictions of ${j.checkpoint} on ${j.folder}${j.source ? ' (source)' : ''}: ${r.n} images in ${r.seconds.toFixed(1)} s → ${r.file}`,
          );
        }
      },
    );
    return true;
  }

  /** ImageRefs from command arguments: two refs; Explorer (uri, uris); or ask. */
  async refsFromArgs(a: unknown, b: unknown): Promise<[ImageRef, ImageRef] | undefined> {
    if (isImageRef(a) && isImageRef(b)) return [a, b];
    const uris = Array.isArray(b) ? b.filter((u): u is vscode.Uri => u instanceof vscode.Uri) : [];
    if (uris.length === 2 && uris.every((u) => u.fsPath.toLowerCase().endsWith('.png'))) {
      return [
        { folder: uris[0]!.fsPath, index: 0, file: true },
        { folder: uris[1]!.fsPath, index: 0, file: true },
      ];
    }
    if (uris.length === 2) {
      const index = await askIndex();
      return index === undefined
        ? undefined
        : [
            { folder: uris[0]!.fsPath, index },
            { folder: uris[1]!.fsPath, index },
          ];
    }
    const folder = a instanceof vscode.Uri ? a.fsPath : await pickGalleryFolder();
    if (!folder) return undefined;
    const sets = findConstructed(folder);
    if (sets.length === 0) {
      void vscode.window.showErrorMessage(`${folder} holds no constructed dataset`);
      return undefined;
    }
    const items = sets.map((s) => ({
      label: KIND_TITLES[s.construction] ?? s.construction,
      description: s.folder,
      folder: s.folder,
    }));
    const set =
      items.length === 1
        ? items[0]
        : await vscode.window.showQuickPick(items, {
            placeHolder: 'Compare originals with which constructed set?',
          });
    if (!set) return undefined;
    const index = await askIndex();
    return index === undefined
      ? undefined
      : [
          { folder: set.folder, index, source: true },
          { folder: set.folder, index },
        ];
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.channel?.dispose();
  }
}

/** A dataset folder's parent (the run folder), so sibling sets stay readable. */
const kindRoot = (d: string) => path.dirname(path.resolve(d));

async function askIndex(): Promise<number | undefined> {
  const v = await vscode.window.showInputBox({
    prompt: 'Image index',
    value: '0',
    validateInput: (s) => (/^\d+$/.test(s) ? undefined : 'a non-negative integer'),
  });
  return v === undefined ? undefined : Number(v);
}
