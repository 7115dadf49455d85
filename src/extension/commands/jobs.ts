/** Cancel Job and the status bar's menu (Cancel / Show Results / Reveal / Show Log). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { summarizeResult } from '../worker/summarize';
import type { Services } from '../services';
import type { Job } from '../worker/job';

/** Cancels the running job; with several, asks which one (queued ones are listed too). */
export async function cancelJobCommand(
  services: Services | undefined,
  jobId?: string,
): Promise<boolean> {
  const jobs = services?.queue.jobs.filter((j) => !j.cancelRequested) ?? [];
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('Robust Features: no job is running.');
    return false;
  }
  let job: Job | undefined = jobId
    ? jobs.find((j) => j.id === jobId)
    : jobs.length === 1
      ? jobs[0]
      : undefined;
  if (!job && !jobId)
    job = (
      await vscode.window.showQuickPick(
        jobs.map((j) => ({ label: j.name, description: j.state, job: j })),
        { title: 'Cancel which job?' },
      )
    )?.job;
  if (!job) return false;
  job.cancel();
  return true;
}

export async function jobMenuCommand(
  services: Services | undefined,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const jobs = services?.queue.jobs ?? [];
  const items: (vscode.QuickPickItem & { run: () => unknown })[] = [
    ...jobs
      .filter((j) => !j.cancelRequested)
      .map((j) => ({
        label: `$(circle-slash) Cancel ${j.name}`,
        description: j.state,
        run: () => j.cancel(),
      })),
    ...lastOutputItems(services),
    { label: '$(output) Show Log', run: () => log.show(true) },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Robust Features job' });
  pick?.run();
}

/** Show Results / Open Gallery / Reveal for the last finished job's folder. */
function lastOutputItems(
  services: Services | undefined,
): (vscode.QuickPickItem & { run: () => unknown })[] {
  const o = services?.lastOutcome;
  if (o?.state !== 'succeeded' || !o.result) return [];
  const dir = summarizeResult(o.result).outputDir;
  if (!dir) return [];
  const uri = vscode.Uri.file(dir);
  const items: (vscode.QuickPickItem & { run: () => unknown })[] = [];
  if (o.result.kind === 'reproduce')
    items.push({
      label: `$(graph) Show Results of ${o.name}`,
      run: () => vscode.commands.executeCommand('robustFeatures.showResults', uri),
    });
  if (o.result.kind === 'construct')
    items.push({
      label: `$(files) Open ${o.name} in the Gallery`,
      run: () => vscode.commands.executeCommand('robustFeatures.openGallery', uri),
    });
  items.push({
    label: `$(go-to-file) Reveal ${path.basename(dir)}`,
    run: () => vscode.commands.executeCommand('revealInExplorer', uri),
  });
  return items;
}
