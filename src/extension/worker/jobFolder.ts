/**
 * Which folder a job writes into, and whether it continues an interrupted run there: the
 * job records (src/shared/jobRecord.ts) read and written. No `vscode` import: the decision is
 * tested under plain Node (test/unit/reliability/jobFolder.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../engine/formats/atomic';
import {
  JOB_RECORD_FILE,
  asJobRecord,
  interruptedRun,
  jobIdentity,
  sameSettings,
  settingsDiff,
  type JobRecord,
  type JobRun,
} from '../../shared/jobRecord';
import type { JobRequest } from '../../shared/workerProtocol';

export function readJobRecord(dir: string): JobRecord | undefined {
  try {
    return asJobRecord(JSON.parse(fs.readFileSync(path.join(dir, JOB_RECORD_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

export function writeJobRecord(dir: string, rec: JobRecord): void {
  writeFileAtomic(path.join(dir, JOB_RECORD_FILE), `${JSON.stringify(rec, null, 2)}\n`);
}

/** Whether a process runs (signal 0 tests without sending; EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type FolderPlan =
  | { action: 'start'; spec: JobRequest }
  | { action: 'resume'; spec: JobRequest; outDir: string; interrupted: JobRun }
  | { action: 'refuse'; message: string };

/**
 * `spec` names a folder: the one the caller chose (`given`: an argument, an experiment file) or
 * a new default one. A given folder whose record shows an interrupted run of the same job is
 * resumed; one interrupted with other settings is refused, saying what differs and what to do.
 * Instead of a new default folder, the newest folder beside it that holds an interrupted run of
 * the same job is resumed. `alive(pid, dir)` tells whether the run recorded in `dir` by extension
 * host `pid` is still under way (then it is live, not interrupted).
 */
export function planJobFolder(
  spec: JobRequest,
  given: boolean,
  alive: (pid: number, dir: string) => boolean = processAlive,
): FolderPlan {
  const id = jobIdentity(spec);
  if (!id) return { action: 'start', spec };
  const matches = (rec: JobRecord): boolean =>
    rec.kind === id.kind && sameSettings(rec.settings, id.settings);
  if (given) {
    const rec = readJobRecord(id.outDir);
    if (!rec) return { action: 'start', spec };
    const last = rec.runs.at(-1);
    if (last?.state === 'running' && alive(last.hostPid, id.outDir))
      return {
        action: 'refuse',
        message: `${id.outDir} is in use: ${rec.name} is running there (editor process ${last.hostPid}). Wait for it to finish, or choose another output folder.`,
      };
    const interrupted = interruptedRun(rec, (pid) => alive(pid, id.outDir));
    if (!interrupted) return { action: 'start', spec };
    if (matches(rec)) return resumeIn(spec, id.outDir, interrupted);
    const diff = rec.kind === id.kind ? settingsDiff(rec.settings, id.settings) : ['the job kind'];
    return {
      action: 'refuse',
      message:
        `${id.outDir} holds ${rec.name}, interrupted, with other settings (${diff.join(', ')} differ${diff.length === 1 ? 's' : ''}). ` +
        `Run it again with the same settings to resume it, or choose another output folder (or delete this one) to start anew.`,
    };
  }
  const parent = path.dirname(id.outDir);
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(parent, { withFileTypes: true });
  } catch {
    return { action: 'start', spec };
  }
  const candidates = entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(parent, e.name))
    .flatMap((dir) => {
      const rec = readJobRecord(dir);
      const run = rec && matches(rec) ? interruptedRun(rec, (pid) => alive(pid, dir)) : undefined;
      return run ? [{ dir, run }] : [];
    })
    .sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt));
  const newest = candidates[0];
  return newest ? resumeIn(spec, newest.dir, newest.run) : { action: 'start', spec };
}

/** The same request aimed at `outDir`; training is told to continue from its snapshot. */
function resumeIn(spec: JobRequest, outDir: string, interrupted: JobRun): FolderPlan {
  const params = { ...spec.params } as Record<string, unknown>;
  if ('out' in params) params.out = outDir;
  else params.outDir = outDir;
  if (spec.kind === 'train') params.resume = true;
  return { action: 'resume', spec: { ...spec, params } as JobRequest, outDir, interrupted };
}

/**
 * Records a run starting in the spec's folder (a stale 'running' run before it becomes
 * 'interrupted'); returns the function that records its end. Undefined for jobs without a
 * folder. A folder that cannot be written is the job's to report: this only records.
 */
export function recordRunStart(
  spec: JobRequest,
  name: string,
  now = new Date(),
): ((end: Pick<JobRun, 'state' | 'reason'>) => void) | undefined {
  const id = jobIdentity(spec);
  if (!id) return undefined;
  const old = readJobRecord(id.outDir);
  const kept =
    old && old.kind === id.kind && sameSettings(old.settings, id.settings) ? old.runs : [];
  const runs: JobRun[] = kept.map((r) =>
    r.state === 'running'
      ? { ...r, state: 'interrupted', reason: r.reason ?? 'the editor stopped during the run' }
      : r,
  );
  const run: JobRun = { startedAt: now.toISOString(), state: 'running', hostPid: process.pid };
  const rec: JobRecord = {
    version: 1,
    kind: id.kind,
    name,
    settings: id.settings,
    runs: [...runs, run],
  };
  try {
    fs.mkdirSync(id.outDir, { recursive: true });
    writeJobRecord(id.outDir, rec);
  } catch {
    return undefined;
  }
  return (end) => {
    Object.assign(run, { endedAt: new Date().toISOString(), ...end });
    if (end.state === 'succeeded') delete run.reason;
    try {
      writeJobRecord(id.outDir, rec);
    } catch {
      // The folder went away with the job (deleted meanwhile): nothing left to describe.
    }
  };
}
