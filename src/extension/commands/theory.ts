/**
 * Show Gaussian Theory: runs the §4 model (engine/theory, float64, seconds) in the worker into a
 * run folder and opens ellipses.svg and theory.json. (A richer panel is the panels' business.)
 */
import * as vscode from 'vscode';
import type { TheoryConfig } from '../../engine/theory/config';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import { defaultOutDir, runJob } from './runJob';

export interface TheoryCommandArgs {
  config?: TheoryConfig;
  outDir?: string;
  /** Open the SVG and JSON when done (default true). */
  open?: boolean;
}

export async function theoryCommand(
  services: () => Promise<Services>,
  args: TheoryCommandArgs = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  const outDir = args.outDir ?? defaultOutDir('theory');
  if (!outDir) return undefined;
  const outcome = await runJob(services, 'Gaussian theory', {
    kind: 'theory',
    params: { outDir, ...(args.config ? { config: args.config } : {}) },
  });
  if (outcome.state === 'succeeded' && outcome.result?.kind === 'theory' && args.open !== false) {
    const f = outcome.result.value.files;
    await vscode.window.showTextDocument(vscode.Uri.file(f.json), {
      preview: false,
      viewColumn: vscode.ViewColumn.Beside,
    });
    // SVG: VS Code's image preview where available, else the text.
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(f.ellipses), {
      viewColumn: vscode.ViewColumn.Active,
    });
  }
  return outcome;
}
