/** Cancel Job and the status bar's menu (Cancel / Show Log). */
import * as vscode from 'vscode';
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
    { label: '$(output) Show Log', run: () => log.show(true) },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Robust Features job' });
  pick?.run();
}
