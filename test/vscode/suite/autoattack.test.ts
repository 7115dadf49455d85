/**
 * AutoAttack from the editor (issue 20, "progress and cancel, in the editor"), with a real worker
 * on real Fashion-MNIST: Evaluate Robustness with AutoAttack (standard) on a tiny mlp shows its
 * progress (status bar percentage, the attack by name in the job's progress), is cancelled
 * mid-way, and leaves metrics.json as it was; the worker (and its pool threads, which run the
 * two batches side by side) is idle after it, and the next AutoAttack evaluation on the same
 * worker runs to its record in metrics.json.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestHooks } from '../../../src/extension/api';
import type { EvaluateCommandArgs } from '../../../src/extension/commands/evaluate';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { activateExtension, isProgressText, recordTiming, waitFor } from './helpers';

const evaluate = (args: EvaluateCommandArgs) =>
  vscode.commands.executeCommand<JobOutcome | undefined>('robustFeatures.evaluateRobustness', args);

/** utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

suite('AutoAttack from the editor', () => {
  let hooks: TestHooks;
  let ckpt: string;

  suiteSetup(async function () {
    this.timeout(90_000);
    ({ hooks } = await activateExtension());
    const ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    ckpt = path.join(ws, 'runs', 'test', 'autoattack-mlp');
    const o = await vscode.commands.executeCommand<JobOutcome | undefined>(
      'robustFeatures.trainModel',
      {
        config: {
          model: 'mlp',
          epochs: 1,
          batchSize: 64,
          trainLimit: 300,
          testLimit: 200,
          seed: 0,
        },
        outDir: ckpt,
        name: 'Train mlp for AutoAttack',
      },
    );
    assert.equal(o?.state, 'succeeded', JSON.stringify(o));
  });

  test('progress, cancel mid-way (metrics.json untouched, worker idle), then a run to the end', async function () {
    this.timeout(180_000);
    const metricsFile = path.join(ckpt, 'metrics.json');
    const before = fs.readFileSync(metricsFile);
    const from = hooks.statusHistory().length;
    const t0 = performance.now();
    // L∞ ε = 0.01 leaves most images robust through APGD-CE: APGD-T's nine targets and Square's
    // 5,000 queries follow, minutes of work, so a cancel at the first progress is mid-way.
    const running = evaluate({
      checkpoint: ckpt,
      norm: 'linf',
      eps: [0.01],
      attack: 'autoattack',
      limit: 200,
      // Two batches: side by side on the worker's thread pool.
      batchSize: 100,
      name: 'AutoAttack mlp',
    });
    const message = await waitFor(
      'the attack named in the job progress',
      () => {
        const m = hooks.jobs().find((j) => j.name === 'AutoAttack mlp')?.progress?.message;
        return m && /APGD/.test(m) && m;
      },
      60_000,
      10,
    );
    assert.match(message, /^ε=0\.01: APGD-CE \(100 iterations, 1 restart\(s\)\), batch [12] of 2$/);
    const text = await waitFor(
      'a progress text in the status bar',
      () =>
        hooks
          .statusHistory()
          .slice(from)
          .map((h) => h.text)
          .find((t) => isProgressText(t) && t.includes('AutoAttack mlp')),
      30_000,
      10,
    );
    recordTiming('AutoAttack → first status-bar progress', performance.now() - t0);
    assert.match(text, /^\$\(loading~spin\) AutoAttack mlp · \d+% · wasm/);
    const [pid] = hooks.workerPids();
    assert.ok(pid, 'a worker runs the evaluation');

    assert.equal(await vscode.commands.executeCommand('robustFeatures.cancelJob'), true);
    const cancelled = await running;
    assert.equal(cancelled?.state, 'cancelled', JSON.stringify(cancelled));
    assert.equal(cancelled.reason, 'cancelled', 'the engine stopped on its AbortSignal');
    assert.ok(fs.readFileSync(metricsFile).equals(before), 'metrics.json is as it was');
    assert.deepEqual(hooks.jobs(), []);
    assert.deepEqual(hooks.workerPids(), [pid], 'the worker survives a cooperative cancel');
    // Stopped, not computing on in the background: an idle worker uses next to no CPU.
    const ticks = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 2_000));
    const used = cpuTicks(pid) - ticks;
    assert.ok(used < 50, `the worker used ${used} ticks in 2 s after the cancel`);

    // The next AutoAttack on the same worker runs to the end (a short custom ensemble).
    const done = await evaluate({
      checkpoint: ckpt,
      norm: 'l2',
      eps: [1.5],
      attack: 'autoattack',
      version: 'custom',
      attacks: ['apgd-ce'],
      limit: 100,
      batchSize: 50,
      name: 'AutoAttack mlp again',
    });
    assert.equal(done?.state, 'succeeded', JSON.stringify(done));
    assert.deepEqual(hooks.workerPids(), [pid], 'the idle worker was reused');
    const m = JSON.parse(fs.readFileSync(metricsFile, 'utf8')) as {
      evaluations?: Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    };
    const e = m.evaluations?.l2?.['1.5']?.['autoattack-custom'] as
      { n: number; robustAcc: number; check?: { points: number; held: number } } | undefined;
    assert.ok(e, JSON.stringify(m.evaluations));
    assert.equal(e.n, 100);
    assert.ok(e.check && e.check.held === e.check.points, JSON.stringify(e.check));
    assert.equal(m.evaluations?.linf, undefined, 'nothing of the cancelled run');
  });
});
