/**
 * One webview panel: locked-down options, the ready handshake (the host queues what it posts
 * until the webview says `ready`, so nothing is lost while the page loads), and validation of
 * every message before a handler sees it (src/shared/webviewProtocol.ts).
 */
import * as vscode from 'vscode';
import {
  parseFromWebview,
  VIEW_TYPES,
  type HostMessage,
  type PanelKind,
  type WebviewMessage,
} from '../../shared/webviewProtocol';
import { panelHtml } from './html';
import { checkMessagePaths } from './safePath';
import { errorMessage } from '../../shared/errorMessage';

export interface PanelEnv {
  extensionUri: vscode.Uri;
  log: (level: 'info' | 'error', line: string) => void;
}

export function webviewOptions(
  env: PanelEnv,
  roots: vscode.Uri[],
): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [
      vscode.Uri.joinPath(env.extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(env.extensionUri, 'media'),
      ...roots,
    ],
  };
}

export class Panel implements vscode.Disposable {
  private ready = false;
  private queue: HostMessage[] = [];
  private readonly subs: vscode.Disposable[] = [];
  /** Called after each `ready` (first load, and again when a hidden webview is rebuilt). */
  onReady: () => void = () => {};
  onMessage: (m: Exclude<WebviewMessage, { type: 'ready' }>) => void | Promise<void> = () => {};
  onDispose: () => void = () => {};
  readonly dropped: string[] = [];

  constructor(
    readonly kind: PanelKind,
    readonly panel: vscode.WebviewPanel,
    readonly env: PanelEnv,
    roots: vscode.Uri[],
  ) {
    panel.webview.options = webviewOptions(env, roots);
    panel.webview.html = panelHtml(panel.webview, env.extensionUri, kind, panel.title);
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const m = parseFromWebview(raw);
        if ('invalid' in m) {
          this.dropped.push(m.invalid);
          env.log(
            'error',
            `${VIEW_TYPES[kind]}: dropped a message from the webview (${m.invalid})`,
          );
          return;
        }
        try {
          checkMessagePaths(m);
        } catch (e) {
          const why = errorMessage(e);
          this.dropped.push(why);
          env.log('error', `${VIEW_TYPES[kind]}: ${why}`);
          this.post({ type: 'error', message: why });
          return;
        }
        if (m.type === 'ready') {
          this.ready = true;
          const q = this.queue;
          this.queue = [];
          this.onReady();
          for (const msg of q) void panel.webview.postMessage(msg);
          return;
        }
        Promise.resolve(this.onMessage(m)).catch((e: unknown) =>
          this.post({ type: 'error', message: errorMessage(e) }),
        );
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The webview has said `ready` (a reused panel will not say it again). */
  get isReady(): boolean {
    return this.ready;
  }

  post(m: HostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.queue.push(m);
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
    this.onDispose();
  }
}
