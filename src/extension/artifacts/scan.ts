/**
 * Artifacts on disk, found by their manifest.json: checkpoints, constructed datasets,
 * reproductions and theory runs. A bounded synchronous walk (depth, count, skipped folders),
 * because the runs folder may lie outside the workspace where findFiles cannot see.
 * No tensors, no engine import: just JSON files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckpointMetrics } from '../../shared/workerProtocol';
import { JOB_RECORD_FILE, type JobRecord } from '../../shared/jobRecord';
import { readJobRecord } from '../worker/jobFolder';

export type ArtifactKind = 'checkpoint' | 'constructed-dataset' | 'reproduction' | 'theory';

export interface Artifact {
  kind: ArtifactKind;
  dir: string;
  manifest: Record<string, unknown>;
  /** Checkpoints only. */
  metrics?: CheckpointMetrics;
  /** The editor's record of the job that wrote it (.rfl-job.json), when it ran from the editor. */
  job?: JobRecord;
}

const SKIP = new Set(['node_modules', '.git', 'chunks', '.vscode-ci', 'dist']);
const KINDS: readonly string[] = ['checkpoint', 'constructed-dataset', 'reproduction', 'theory'];

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The artifact in `dir`, or undefined if `dir` holds no manifest.json of a known kind. */
export function readArtifact(dir: string): Artifact | undefined {
  const manifest = readJson<Record<string, unknown>>(path.join(dir, 'manifest.json'));
  if (!manifest || typeof manifest !== 'object') return undefined;
  const kind = manifest.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind)) return undefined;
  const a: Artifact = { kind: kind as ArtifactKind, dir, manifest };
  if (kind === 'checkpoint')
    a.metrics = readJson<CheckpointMetrics>(path.join(dir, 'metrics.json'));
  const job = readJobRecord(dir);
  if (job) a.job = job;
  return a;
}

/** A folder whose job's last run was interrupted before it wrote its artifact (no manifest yet). */
export interface InterruptedRun {
  dir: string;
  /** The group it will belong to once finished. */
  kind: ArtifactKind;
  job: JobRecord;
}

const WILL_BE: Partial<Record<JobRecord['kind'], ArtifactKind>> = {
  train: 'checkpoint',
  construct: 'constructed-dataset',
  reproduce: 'reproduction',
  theory: 'theory',
};

/** Every artifact under the roots (duplicates removed), newest first. */
export function scanArtifacts(roots: string[], maxDepth = 6, maxDirs = 5000): Artifact[] {
  return scanRuns(roots, maxDepth, maxDirs).artifacts;
}

/** The artifacts, and the interrupted runs that have none yet, in one walk. */
export function scanRuns(
  roots: string[],
  maxDepth = 6,
  maxDirs = 5000,
): { artifacts: Artifact[]; interrupted: InterruptedRun[] } {
  const seen = new Set<string>();
  const out: Artifact[] = [];
  const interrupted: InterruptedRun[] = [];
  let visited = 0;
  const walk = (dir: string, depth: number): void => {
    if (seen.has(dir) || ++visited > maxDirs) return;
    seen.add(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const has = (name: string) => entries.some((e) => e.isFile() && e.name === name);
    if (has('manifest.json')) {
      const a = readArtifact(dir);
      if (a) out.push(a);
      // A reproduction holds checkpoints and datasets: keep walking into it.
      if (a && a.kind !== 'reproduction') return;
    } else if (has(JOB_RECORD_FILE)) {
      const job = readJobRecord(dir);
      const kind = job && WILL_BE[job.kind];
      if (job && kind && job.runs.at(-1)?.state === 'interrupted')
        interrupted.push({ dir, kind, job });
    }
    if (depth >= maxDepth) return;
    for (const e of entries)
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.staging'))
        walk(path.join(dir, e.name), depth + 1);
  };
  for (const r of roots) if (fs.existsSync(r)) walk(path.resolve(r), 0);
  const started = (i: InterruptedRun) => i.job.runs.at(-1)?.startedAt ?? '';
  return {
    artifacts: out.sort((a, b) => created(b) - created(a)),
    interrupted: interrupted.sort((a, b) => started(b).localeCompare(started(a))),
  };
}

export function created(a: Artifact): number {
  const t = a.manifest.createdAt ?? a.metrics?.date;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  if (Number.isFinite(ms)) return ms;
  try {
    return fs.statSync(path.join(a.dir, 'manifest.json')).mtimeMs;
  } catch {
    return 0;
  }
}
