/** What every job command does once its settings are known: queue, log, wait, notify. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsFolder } from '../config';
import type { Services } from '../services';
import type { JobOutcome, JobSpec } from '../worker/job';
import { notifyOutcome } from './notify';

export async function runJob(
  services: () => Promise<Services>,
  name: string,
  spec: JobSpec,
): Promise<JobOutcome> {
  const s = await services();
  const job = s.queue.enqueue(name, spec);
  s.log.info(`${name} (${job.id}) queued\n${JSON.stringify(spec.params)}`);
  const outcome = await job.done;
  notifyOutcome(outcome, s.log);
  return outcome;
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** `<runsFolder>/<name>-<timestamp>`, or undefined (with a message) when no folder anchors it. */
export function defaultOutDir(name: string): string | undefined {
  const runs = runsFolder();
  if (!runs) {
    void vscode.window.showErrorMessage(
      'Robust Features: open a folder first (results go to its runs folder), or set robustFeatures.runsFolder to an absolute path.',
    );
    return undefined;
  }
  return path.join(runs, `${name}-${timestamp()}`);
}
