/**
 * What every job command does once its settings are known: pick the folder (resuming an
 * interrupted run of the same job), queue, log, wait, record how the run ended, notify.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsFolder } from '../config';
import type { Services } from '../services';
import type { JobOutcome, JobSpec } from '../worker/job';
import { planJobFolder, processAlive, recordRunStart } from '../worker/jobFolder';
import { jobIdentity } from '../../shared/jobRecord';
import { notifyOutcome } from './notify';

/**
 * `folderGiven`: the spec's folder was chosen by the caller (an argument, an experiment file),
 * not a new default one; see planJobFolder. Undefined when the folder is refused (the message
 * names it and says what to do).
 */
export async function runJob(
  services: () => Promise<Services>,
  name: string,
  spec: JobSpec,
  folderGiven: boolean,
): Promise<JobOutcome | undefined> {
  const s = await services();
  // A run this host recorded as 'running' is live while one of our jobs writes there; another
  // host's while that process lives.
  const live = (pid: number, dir: string) =>
    pid === process.pid
      ? s.queue.jobs.some((j) => jobIdentity(j.spec)?.outDir === dir)
      : processAlive(pid);
  const plan = planJobFolder(spec, folderGiven, live);
  if (plan.action === 'refuse') {
    s.log.warn(plan.message);
    void vscode.window.showErrorMessage(`Robust Features: ${plan.message}`);
    return undefined;
  }
  if (plan.action === 'resume') {
    const why = plan.interrupted.reason ?? 'the editor stopped during the run';
    s.log.info(
      `${name}: resuming in ${plan.outDir}, where its run of ${plan.interrupted.startedAt} was interrupted (${why})`,
    );
    void vscode.window.showInformationMessage(
      `Robust Features: resuming ${name} in ${path.basename(plan.outDir)}, where its last run was interrupted (${why}).`,
    );
  }
  const recordEnd = recordRunStart(plan.spec, name);
  const job = s.queue.enqueue(name, plan.spec);
  s.log.info(`${name} (${job.id}) queued\n${JSON.stringify(plan.spec.params)}`);
  const outDir = jobIdentity(plan.spec)?.outDir;
  const outcome: JobOutcome = {
    ...(await job.done),
    ...(outDir ? { outDir } : {}),
    ...(plan.action === 'resume' ? { resumed: true } : {}),
  };
  recordEnd?.({
    state: outcome.interrupted ? 'interrupted' : outcome.state,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
  });
  notifyOutcome(outcome, s.log);
  return outcome;
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * The folder a command writes into: `given` when the caller chose one, else a new
 * `<runsFolder>/<name>-<timestamp>` (undefined, with a message, when no folder anchors it).
 */
export function outputFolder(
  given: string | undefined,
  name: string,
): { dir: string; given: boolean } | undefined {
  if (given) return { dir: given, given: true };
  const runs = runsFolder();
  if (!runs) {
    void vscode.window.showErrorMessage(
      'Robust Features: open a folder first (results go to its runs folder), or set robustFeatures.runsFolder to an absolute path.',
    );
    return undefined;
  }
  return { dir: path.join(runs, `${name}-${timestamp()}`), given: false };
}
