/**
 * The HTML shell of every panel (vscode-extension-samples' webview-sample): a nonce CSP that
 * allows only our bundled script, our styles, images as data: URIs or from the allowed roots,
 * and nothing remote. Styles are set from script through CSSOM (allowed by CSP).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  script: string,
  title: string,
): string {
  const n = nonce();
  const src = webview.asWebviewUri(
    vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${script}.js`),
  );
  const css = webview.asWebviewUri(
    vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${script}.css`),
  );
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${n}" href="${css.toString()}">
<title>${esc(title)}</title>
</head>
<body>
<main id="app" data-panel="${esc(script)}"><p class="loading">Loading…</p></main>
<script nonce="${n}" src="${src.toString()}"></script>
</body>
</html>`;
}
