/**
 * TEST HOOK (issue 24, kill harness): SIGKILLs this process at a named point of a job, so the kill
 * tests land exactly where they mean to (mid-epoch, while a snapshot or chunk is being written,
 * during the final report, ...) instead of racing a timer.
 *
 * Armed only by RFL_TEST_KILL in the environment, which nothing but the test suites sets
 * (test/unit/reliability/kill.test.ts). Unset, killPoint returns at once. The value is
 * `point@n` or `point@n:where`: the n-th time (1-based, counted per thread) this process passes
 * `point`, counting only passes whose `where` (the job's output folder or file) ends with the
 * path `where` when one is given ('standard_D' matches …/standard_D, not …/adversarial_D). SIGKILL, not an exception: nothing runs after it (no finally, no flush), as when the
 * machine loses power or the OOM killer strikes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type KillPoint =
  /** A job has begun and written its first file (train-config.json, build.json, ...). */
  | 'start'
  /** After an optimizer step, before the next (mid-epoch). */
  | 'train-step'
  /** Inside a snapshot's staging folder, some files written and others not. */
  | 'snapshot'
  /** After an epoch's snapshot is in place, before the next epoch starts. */
  | 'epoch-end'
  /** After a batch of a construction chunk, before the next (mid-chunk). */
  | 'chunk-batch'
  /** Inside a chunk's staging folder, images written and labels not. */
  | 'chunk-write'
  /** After a batch of a robustness evaluation or an attack on a test set. */
  | 'eval-batch'
  /** Between the files of a job's final output (model files / manifest / metrics / report). */
  | 'report'
  /** A folder being removed (spent chunks, an old snapshot) renamed aside, its delete not done. */
  | 'remove';

const hits = new Map<string, number>();

export function killPoint(point: KillPoint, where = ''): void {
  const spec = process.env.RFL_TEST_KILL;
  if (!spec) return;
  const m = /^([a-z-]+)@(\d+)(?::(.+))?$/.exec(spec);
  if (!m) {
    // Reported once, then ignored: a typo must not look like a run that was never killed.
    if (!hits.has('?')) console.error(`RFL_TEST_KILL=${spec} ignored: expected point@n[:where]`);
    hits.set('?', 1);
    return;
  }
  const [, name, n, suffix] = m;
  if (name !== point) return;
  if (suffix && !`${path.sep}${path.resolve(where)}`.endsWith(`${path.sep}${suffix}`)) return;
  const count = (hits.get(point) ?? 0) + 1;
  hits.set(point, count);
  if (count !== Number(n)) return;
  // Written to fd 2 directly: a pool thread's console.error goes through the main thread, which
  // the kill would not let run, and the harness must see where the kill landed.
  fs.writeSync(2, `test kill at ${point}@${count}${where ? ` in ${where}` : ''} (RFL_TEST_KILL)\n`);
  process.kill(process.pid, 'SIGKILL');
}
