/** The notification at a job's end: its result (accuracy) or why it did not finish. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobOutcome } from '../worker/job';
import { summarizeResult } from '../worker/summarize';

export function notifyOutcome(o: JobOutcome, log: vscode.LogOutputChannel): void {
  const secs = `${(o.durationMs / 1000).toFixed(1)} s`;
  switch (o.state) {
    case 'succeeded': {
      const sum = o.result ? summarizeResult(o.result) : undefined;
      const reveal = o.result?.kind === 'train' ? 'Reveal Checkpoint' : 'Reveal Folder';
      // The panels show what a construction or a reproduction produced.
      const panel =
        o.result?.kind === 'construct'
          ? { label: 'Open Gallery', command: 'robustFeatures.openGallery' }
          : o.result?.kind === 'reproduce'
            ? { label: 'Show Results', command: 'robustFeatures.showResults' }
            : undefined;
      void vscode.window
        .showInformationMessage(
          `Robust Features: ${o.name} finished — ${sum?.long ?? 'done'} (${o.backend ?? '?'}, ${secs}).`,
          ...(sum?.outputDir && panel ? [panel.label] : []),
          ...(sum?.outputDir ? [reveal] : []),
          'Show Log',
        )
        .then((c) => {
          if (c === reveal && sum?.outputDir)
            void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(sum.outputDir));
          if (panel && c === panel.label && sum?.outputDir)
            void vscode.commands.executeCommand(panel.command, vscode.Uri.file(sum.outputDir));
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
          `Robust Features: ${o.name} failed — ${o.reason ?? 'unknown error'}` +
            // Its finished epochs / chunks / steps are kept: say how to continue from them.
            (o.interrupted && o.outDir
              ? `. Run the same command again to resume it in ${path.basename(o.outDir)}.`
              : ''),
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
