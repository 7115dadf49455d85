/**
 * Validation of open `*.rfl.json` files at run time (ajv over the same schema the editor's JSON
 * service uses), as diagnostics on the exact line of the offending value.
 */
import * as vscode from 'vscode';
import { parseExperiment } from '../../shared/experiment';

export const isExperimentFile = (uri: vscode.Uri): boolean => uri.path.endsWith('.rfl.json');

export function registerExperimentDiagnostics(
  context: vscode.ExtensionContext,
): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection('robustFeatures.experiment');
  const timers = new Map<string, NodeJS.Timeout>();
  const check = (doc: vscode.TextDocument): void => {
    if (!isExperimentFile(doc.uri)) return;
    const { problems } = parseExperiment(doc.getText());
    collection.set(
      doc.uri,
      problems.map((p) => {
        const d = new vscode.Diagnostic(
          new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length)),
          p.message,
          vscode.DiagnosticSeverity.Error,
        );
        d.source = 'Robust Features';
        return d;
      }),
    );
  };
  const debounced = (doc: vscode.TextDocument): void => {
    const k = doc.uri.toString();
    clearTimeout(timers.get(k));
    timers.set(
      k,
      setTimeout(() => check(doc), 200),
    );
  };
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => debounced(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => collection.delete(d.uri)),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  vscode.workspace.textDocuments.forEach(check);
  return collection;
}
