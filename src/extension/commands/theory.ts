/**
 * Show Gaussian Theory: runs the §4 model (engine/theory, float64, seconds) in the worker into a
 * run folder and opens the Theory panel on it (covariance ellipses across ε, gradient–μ* angles,
 * closed form vs solver), the panels' webview with their CSP and message validation.
 */
import * as vscode from 'vscode';
import type { TheoryConfig } from '../../shared/workerProtocol';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import type { JobOutcome } from '../worker/job';
import { outputFolder, runJob } from './runJob';

export interface TheoryCommandArgs {
  config?: TheoryConfig;
  outDir?: string;
  /** Open the Theory panel when done (default true). */
  open?: boolean;
}

export async function theoryCommand(
  services: () => Promise<Services>,
  args: TheoryCommandArgs = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  const folder = outputFolder(args.outDir, 'theory');
  if (!folder) return undefined;
  const outcome = await runJob(
    services,
    'Gaussian theory',
    {
      kind: 'theory',
      params: { outDir: folder.dir, ...(args.config ? { config: args.config } : {}) },
    },
    folder.given,
  );
  if (outcome?.state === 'succeeded' && outcome.result?.kind === 'theory' && args.open !== false)
    await vscode.commands.executeCommand(
      'robustFeatures.openTheoryPanel',
      outcome.result.value.outDir,
    );
  return outcome;
}
