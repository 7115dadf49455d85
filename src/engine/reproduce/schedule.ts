/**
 * A list scheduler for a small DAG of long tasks on a fixed number of slots (one pool thread
 * each). Ready tasks start in order of their bottom level — their own cost plus the costliest
 * chain after them — so the critical path (adversarial training → D_R → training on D_R) starts
 * first and the short branches fill the other slot. Tasks that are finished on disk are skipped
 * without starting anything, which is what makes a rerun resume.
 */
import type { JobContext } from '../types';

export interface DagTask {
  id: string;
  /** The report's step this task belongs to (every chunk of D_R belongs to 'D_robust'). */
  step: string;
  deps: string[];
  /** Estimated work in arbitrary but common units: priorities and progress. */
  cost: number;
  /** Finished on disk already. */
  done(): boolean;
  /** Bookkeeping on the main thread (a few seconds at most): runs without taking a slot. */
  inline?: boolean;
  run(ctx: JobContext): Promise<void>;
}

export interface TaskRecord {
  id: string;
  step: string;
  /** Seconds since the scheduler started; equal for a skipped task. */
  start: number;
  end: number;
  skipped: boolean;
}

export function bottomLevels(tasks: DagTask[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const successors = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) {
    for (const d of t.deps) {
      if (!byId.has(d)) throw new Error(`task ${t.id} depends on unknown task ${d}`);
      successors.get(d)?.push(t.id);
    }
  }
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw new Error(`the task graph has a cycle through ${id}`);
    visiting.add(id);
    const after = Math.max(0, ...(successors.get(id) ?? []).map(visit));
    const l = (byId.get(id)?.cost ?? 0) + after;
    level.set(id, l);
    return l;
  };
  tasks.forEach((t) => visit(t.id));
  return level;
}

/** Runs every task once its dependencies are done, at most `slots` non-inline tasks at a time. */
export async function runDag(
  tasks: DagTask[],
  slots: number,
  ctx: JobContext = {},
): Promise<TaskRecord[]> {
  const level = bottomLevels(tasks);
  const t0 = Date.now();
  const now = () => (Date.now() - t0) / 1000;
  const totalCost = tasks.reduce((s, t) => s + t.cost, 0) || 1;
  const finished = new Set<string>();
  const records: TaskRecord[] = [];
  const running = new Map<string, { promise: Promise<string>; fraction: number; task: DagTask }>();
  const pending = [...tasks].sort((a, b) => (level.get(b.id) ?? 0) - (level.get(a.id) ?? 0));
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let doneCost = 0;
  const report = (message?: string) => {
    const runningCost = [...running.values()].reduce((s, r) => s + r.fraction * r.task.cost, 0);
    const steps = [...new Set([...running.values()].map((r) => r.task.step))];
    ctx.onProgress?.({
      phase: `reproduce: ${steps.join(' + ') || 'done'}`,
      fraction: Math.min(1, (doneCost + runningCost) / totalCost),
      step: finished.size,
      steps: tasks.length,
      message: message ?? `${running.size} running, ${finished.size}/${tasks.length} tasks done`,
    });
  };
  const start = (task: DagTask) => {
    const begin = now();
    const entry = { fraction: 0, task, promise: Promise.resolve(task.id) };
    entry.promise = task
      .run({
        signal: stop.signal,
        log: ctx.log,
        onProgress: (e) => ((entry.fraction = e.fraction), report(e.message)),
      })
      .then(() => {
        records.push({ id: task.id, step: task.step, start: begin, end: now(), skipped: false });
        return task.id;
      });
    running.set(task.id, entry);
    ctx.log?.(
      `start ${task.id}${running.size > 1 ? ` (beside ${[...running.keys()].filter((k) => k !== task.id).join(', ')})` : ''}`,
    );
  };
  let failure: unknown;
  try {
    while (pending.length || running.size) {
      // Launch what is ready: skipped and inline tasks first (they free or need no slot), then by level.
      for (let progressMade = true; progressMade && !failure;) {
        progressMade = false;
        for (const task of [...pending]) {
          if (!task.deps.every((d) => finished.has(d))) continue;
          const nonInline = [...running.values()].filter((r) => !r.task.inline).length;
          if (task.done()) {
            pending.splice(pending.indexOf(task), 1);
            finished.add(task.id);
            doneCost += task.cost;
            records.push({ id: task.id, step: task.step, start: now(), end: now(), skipped: true });
            progressMade = true;
          } else if (task.inline || nonInline < slots) {
            pending.splice(pending.indexOf(task), 1);
            start(task);
            progressMade = true;
          }
        }
      }
      if (!running.size) {
        if (pending.length && !failure)
          throw new Error(
            `reproduce: nothing can start (waiting: ${pending.map((t) => t.id).join(', ')})`,
          );
        break;
      }
      try {
        const id = await Promise.race([...running.values()].map((r) => r.promise));
        const r = running.get(id);
        running.delete(id);
        finished.add(id);
        doneCost += r?.task.cost ?? 0;
        report();
      } catch (e) {
        // Stop the others, let them settle, then report the first real error (not their cancellation).
        failure ??= e;
        stop.abort();
        await Promise.allSettled([...running.values()].map((r) => r.promise));
        running.clear();
        pending.length = 0;
      }
    }
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (failure !== undefined)
    throw failure instanceof Error
      ? failure
      : new Error(`reproduce: a task failed with ${JSON.stringify(failure)}`);
  return records;
}
