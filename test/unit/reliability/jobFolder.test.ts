/**
 * The editor's choice of a job's folder (issue 24, item 3): running the same command again after
 * its worker died resumes the interrupted run in its folder; a folder interrupted with other
 * settings is refused with a message naming it and what to do. Real folders and job records
 * (.rfl-job.json) in a temporary directory; the worker side is covered in
 * test/vscode/suite/resume.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  planJobFolder,
  readJobRecord,
  recordRunStart,
} from '../../../src/extension/worker/jobFolder';
import { resumedFrom } from '../../../src/shared/jobRecord';
import type { JobRequest } from '../../../src/shared/workerProtocol';
import type { TrainConfig } from '../../../src/engine/train/config';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-jobfolder-'));
const config = (epochs: number) =>
  ({ model: 'mlp', data: 'fashion-mnist', epochs, batchSize: 64, seed: 0 }) as TrainConfig;
const train = (outDir: string, epochs = 2): JobRequest => ({
  kind: 'train',
  params: { config: config(epochs), outDir },
});
const reproduce = (outDir: string): JobRequest => ({
  kind: 'reproduce',
  params: { profile: 'smoke', data: 'fashion-mnist', outDir },
});
/** No other extension host runs: every 'running' record is stale. */
const nobody = () => false;

/** Records a run of `spec` that ended `state` (reason as a dead worker's). */
function ran(spec: JobRequest, state: 'interrupted' | 'succeeded' | 'cancelled', at: string) {
  const end = recordRunStart(spec, 'Train mlp', new Date(at));
  assert.ok(end);
  end({
    state,
    ...(state === 'interrupted' ? { reason: 'compute worker crashed (signal SIGKILL)' } : {}),
  });
}

test('a new default folder gives way to the newest folder beside it where the same job was interrupted', () => {
  const runs = tmp();
  const older = path.join(runs, 'mlp-standard-1');
  const newer = path.join(runs, 'mlp-standard-2');
  const other = path.join(runs, 'mlp-standard-3');
  const done = path.join(runs, 'mlp-standard-4');
  ran(train(older), 'interrupted', '2026-01-01T10:00:00Z');
  ran(train(newer), 'interrupted', '2026-01-02T10:00:00Z');
  ran(train(other, 5), 'interrupted', '2026-01-03T10:00:00Z');
  ran(train(done), 'succeeded', '2026-01-04T10:00:00Z');
  const plan = planJobFolder(train(path.join(runs, 'mlp-standard-new')), false, nobody);
  assert.equal(plan.action, 'resume');
  assert.ok(plan.action === 'resume');
  assert.equal(plan.outDir, newer);
  assert.deepEqual(plan.spec, {
    kind: 'train',
    params: { config: config(2), outDir: newer, resume: true },
  });
  assert.equal(plan.interrupted.reason, 'compute worker crashed (signal SIGKILL)');

  // Other settings, another kind, a cancelled run: a new folder.
  assert.equal(planJobFolder(train(path.join(runs, 'x'), 3), false, nobody).action, 'start');
  assert.equal(planJobFolder(reproduce(path.join(runs, 'x')), false, nobody).action, 'start');
  const cancelled = tmp();
  ran(train(path.join(cancelled, 'a')), 'cancelled', '2026-01-01T10:00:00Z');
  assert.equal(planJobFolder(train(path.join(cancelled, 'b')), false, nobody).action, 'start');
});

test('a run still recorded as running is resumed only when its editor is gone', () => {
  const runs = tmp();
  const dir = path.join(runs, 'reproduce-smoke-1');
  assert.ok(recordRunStart(reproduce(dir), 'Reproduce (smoke)'));
  const mine = (pid: number, d: string) => pid === process.pid && d === dir;
  assert.equal(planJobFolder(reproduce(path.join(runs, 'new')), false, mine).action, 'start');
  const plan = planJobFolder(reproduce(path.join(runs, 'new')), false, nobody);
  assert.ok(plan.action === 'resume');
  assert.equal(plan.outDir, dir);
  assert.deepEqual(plan.spec.params, { profile: 'smoke', data: 'fashion-mnist', outDir: dir });

  // Given explicitly while it runs: refused, naming the folder.
  const busy = planJobFolder(reproduce(dir), true, mine);
  assert.ok(busy.action === 'refuse');
  assert.equal(
    busy.message,
    `${dir} is in use: Reproduce (smoke) is running there (editor process ${process.pid}). Wait for it to finish, or choose another output folder.`,
  );

  // The next run marks the stale one interrupted; once it succeeds, the record says resumed.
  const end = recordRunStart(plan.spec, 'Reproduce (smoke)');
  assert.ok(end);
  end({ state: 'succeeded' });
  const rec = readJobRecord(dir);
  assert.ok(rec);
  assert.deepEqual(
    rec.runs.map((r) => [r.state, r.reason]),
    [
      ['interrupted', 'the editor stopped during the run'],
      ['succeeded', undefined],
    ],
  );
  assert.equal(resumedFrom(rec).length, 1);
});

test('a given folder resumes the same interrupted job and refuses another, saying what to do', () => {
  const dir = path.join(tmp(), 'exp', 'model');
  assert.equal(planJobFolder(train(dir), true, nobody).action, 'start');
  ran(train(dir), 'interrupted', '2026-01-01T10:00:00Z');
  const same = planJobFolder(train(dir), true, nobody);
  assert.ok(same.action === 'resume');
  assert.equal(same.outDir, dir);
  assert.equal((same.spec.params as { resume?: boolean }).resume, true);

  const other = planJobFolder(train(dir, 3), true, nobody);
  assert.ok(other.action === 'refuse');
  assert.equal(
    other.message,
    `${dir} holds Train mlp, interrupted, with other settings (config.epochs differs). ` +
      'Run it again with the same settings to resume it, or choose another output folder (or delete this one) to start anew.',
  );
  const kind = planJobFolder(reproduce(dir), true, nobody);
  assert.ok(kind.action === 'refuse');
  assert.match(kind.message, /with other settings \(the job kind differs\)/);

  // Once it finished, the folder is the engine's to judge again (no record-based refusal).
  ran(same.spec, 'succeeded', '2026-01-02T10:00:00Z');
  assert.equal(planJobFolder(train(dir, 3), true, nobody).action, 'start');
  const rec = readJobRecord(dir);
  assert.deepEqual(
    rec?.runs.map((r) => r.state),
    ['interrupted', 'succeeded'],
  );
});

test('jobs without a folder (evaluate) are neither recorded nor redirected', () => {
  const spec: JobRequest = {
    kind: 'evaluate',
    params: { checkpoint: tmp(), norm: 'l2', eps: [0.5], steps: 3 },
  };
  assert.deepEqual(planJobFolder(spec, true, nobody), { action: 'start', spec });
  assert.equal(recordRunStart(spec, 'Evaluate'), undefined);
});
