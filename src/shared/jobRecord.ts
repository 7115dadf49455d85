/**
 * The editor's record of a job, kept in the job's output folder as `.rfl-job.json`: what the job
 * was asked to do (its kind and its settings less the folder) and how each run of it ended.
 * Running the same command again after a run was interrupted (its worker died: SIGKILL, out of
 * memory, hung) continues that job in that folder, and the Runs view marks its result as
 * resumed. It describes runs, not results: comparisons of a resumed folder with an uninterrupted
 * one leave it out, as they leave out clocks.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JobRequest } from './workerProtocol';

export const JOB_RECORD_FILE = '.rfl-job.json';

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface JobRun {
  startedAt: string;
  endedAt?: string;
  /** 'running' while under way; still 'running' afterwards when the editor itself died. */
  state: RunState;
  /** How it ended, when not 'succeeded' (the worker's exit, the engine's error). */
  reason?: string;
  /** The extension host that ran it: a 'running' run whose host is gone was interrupted too. */
  hostPid: number;
}

export interface JobRecord {
  version: 1;
  kind: JobRequest['kind'];
  /** As the status bar and notifications named it. */
  name: string;
  /** The job's parameters less its output folder (and `resume`): what "the same job" means. */
  settings: unknown;
  runs: JobRun[];
}

/** The output folder of a job and its settings; undefined for jobs without a folder (evaluate). */
export function jobIdentity(
  spec: JobRequest,
): { kind: JobRequest['kind']; outDir: string; settings: unknown } | undefined {
  if (spec.kind === 'evaluate') return undefined;
  const p = spec.params as Record<string, unknown>;
  const outDir = p.outDir ?? p.out;
  if (typeof outDir !== 'string') return undefined;
  const settings = Object.fromEntries(
    Object.entries(p).filter(([k]) => k !== 'outDir' && k !== 'out' && k !== 'resume'),
  );
  // Through JSON, as it is stored: undefined fields vanish, so they compare equal to absent ones.
  return { kind: spec.kind, outDir, settings: JSON.parse(JSON.stringify(settings)) as unknown };
}

export function sameSettings(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(
    JSON.parse(JSON.stringify(a ?? null)),
    JSON.parse(JSON.stringify(b ?? null)),
  );
}

/** Dotted paths of the settings that differ (e.g. "config.epochs"), for messages. */
export function settingsDiff(a: unknown, b: unknown, at = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((k) => settingsDiff(a[k], b[k], at ? `${at}.${k}` : k));
  return sameSettings(a, b) ? [] : [at || '(all)'];
}

/** The run that ended without finishing the job, when the last one did; `alive` checks a host pid. */
export function interruptedRun(
  rec: JobRecord,
  alive: (pid: number) => boolean,
): JobRun | undefined {
  const last = rec.runs.at(-1);
  if (last?.state === 'interrupted') return last;
  if (last?.state === 'running' && !alive(last.hostPid)) return last;
  return undefined;
}

/**
 * The interrupted runs the job's finished run continued from (empty unless the last run
 * succeeded after at least one interruption).
 */
export function resumedFrom(rec: JobRecord): JobRun[] {
  const last = rec.runs.at(-1);
  if (last?.state !== 'succeeded') return [];
  return rec.runs.slice(0, -1).filter((r) => r.state === 'interrupted');
}

/** A record read back from disk, or undefined when the JSON is not one. */
export function asJobRecord(v: unknown): JobRecord | undefined {
  const r = v as Partial<JobRecord> | undefined;
  if (!r || typeof r !== 'object' || r.version !== 1) return undefined;
  if (typeof r.kind !== 'string' || typeof r.name !== 'string' || !Array.isArray(r.runs))
    return undefined;
  const runs = r.runs.filter(
    (x): x is JobRun =>
      !!x &&
      typeof x === 'object' &&
      typeof x.state === 'string' &&
      typeof x.startedAt === 'string',
  );
  return { ...(r as JobRecord), runs };
}
