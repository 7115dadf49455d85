/** The notification at a job's end: its result (accuracy) or why it did not finish. */
import * as vscode from 'vscode';
import type { JobOutcome } from '../worker/job';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function notifyOutcome(o: JobOutcome, log: vscode.LogOutputChannel): void {
  const secs = `${(o.durationMs / 1000).toFixed(1)} s`;
  switch (o.state) {
    case 'succeeded': {
      const m = o.result?.metrics;
      const robust = Object.entries(m?.robustAcc ?? {}).flatMap(([norm, byEps]) =>
        Object.entries(byEps).map(([eps, acc]) => `${norm} ε=${eps}: ${pct(acc)}`),
      );
      const acc = m
        ? `standard accuracy ${pct(m.standardAcc)}${robust.length ? `, robust ${robust.join(', ')}` : ''}`
        : 'done';
      void vscode.window
        .showInformationMessage(
          `Robust Features: ${o.name} finished — ${acc} (${o.backend ?? '?'}, ${secs}).`,
          'Reveal Checkpoint',
          'Show Log',
        )
        .then((c) => {
          if (c === 'Reveal Checkpoint' && o.result)
            void vscode.commands.executeCommand(
              'revealFileInOS',
              vscode.Uri.file(o.result.checkpointDir),
            );
          if (c === 'Show Log') log.show(true);
        });
      return;
    }
    case 'cancelled':
      void vscode.window.showInformationMessage(
        `Robust Features: ${o.name} cancelled (${o.reason ?? 'by request'}).`,
      );
      return;
    case 'failed':
      void vscode.window
        .showErrorMessage(
          `Robust Features: ${o.name} failed — ${o.reason ?? 'unknown error'}`,
          'Show Log',
        )
        .then((c) => c && log.show(true));
      return;
    default: {
      const never: never = o.state;
      return never;
    }
  }
}
