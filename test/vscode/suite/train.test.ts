/**
 * Real jobs in a real worker: Train Model on an mlp (1 epoch, a small Fashion-MNIST subset from
 * /usr/share/datasets/fashion-mnist), cancelled mid-way, started again to completion, with the
 * status bar followed throughout; then a worker crash and the fresh worker after it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainConfig } from '../../../src/engine/train/config';
import type { TestHooks } from '../../../src/extension/api';
import type { TrainCommandArgs } from '../../../src/extension/commands/train';
import type { JobOutcome } from '../../../src/extension/worker/job';
import { activateExtension, isProgressText, recordTiming, waitFor } from './helpers';

// Long enough (~10 s on 2 cores) that cancelling after the first progress is surely mid-way.
const LONG: Partial<TrainConfig> = {
  model: 'mlp',
  epochs: 1,
  batchSize: 64,
  trainLimit: 20_000,
  testLimit: 500,
  seed: 0,
};
// Short enough to finish in a few seconds, long enough for several throttled status updates.
const SHORT: Partial<TrainConfig> = { ...LONG, trainLimit: 4_000 };

const train = (args: TrainCommandArgs) =>
  vscode.commands.executeCommand<JobOutcome | undefined>('robustFeatures.trainModel', args);

suite('training jobs', () => {
  let hooks: TestHooks;
  let ws: string;
  suiteSetup(async () => {
    ({ hooks } = await activateExtension());
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });

  test('start, cancel mid-way, start again to completion', async function () {
    this.timeout(120_000);
    const outDir = path.join(ws, 'runs', 'test', 'mlp-cancel-then-complete');
    const t0 = performance.now();
    const first = train({ config: LONG, outDir, name: 'Train mlp' });
    const text = await waitFor(
      'a progress text in the status bar',
      // This job's progress, not a late render of an earlier suite's job.
      () =>
        isProgressText(hooks.statusText()) &&
        hooks.statusText()?.includes('Train mlp') &&
        hooks.statusText(),
      60_000,
      10,
    );
    recordTiming('Train Model → first status-bar progress', performance.now() - t0);
    assert.match(text, /^\$\(loading~spin\) Train mlp · \d+% · ep 1\/1 · step \d+\/\d+ · loss \d/);
    assert.match(text, /wasm/);

    const tc = performance.now();
    assert.equal(await vscode.commands.executeCommand('robustFeatures.cancelJob'), true);
    const cancelled = await first;
    recordTiming('Cancel Job → job settled', performance.now() - tc);
    assert.equal(cancelled?.state, 'cancelled', JSON.stringify(cancelled));
    assert.equal(
      cancelled.reason,
      'cancelled',
      'the engine stopped on its AbortSignal (no kill needed)',
    );
    assert.ok(
      !fs.existsSync(path.join(outDir, 'metrics.json')),
      'a cancelled run leaves no checkpoint',
    );
    const pidAfterCancel = hooks.workerPids();
    assert.equal(pidAfterCancel.length, 1, 'the worker survives a cooperative cancel');

    const from = hooks.statusHistory().length;
    const done = await train({ config: SHORT, outDir, resume: true, name: 'Train mlp' });
    assert.equal(done?.state, 'succeeded', JSON.stringify(done));
    assert.deepEqual(hooks.workerPids(), pidAfterCancel, 'the idle worker was reused');
    // The closing render is throttled like every other, so it may land just after the command returns.
    await waitFor(
      'the result in the status bar',
      () => /^\$\(check\)/.test(hooks.statusText() ?? ''),
      2_000,
    );
    const shown = hooks.statusHistory().slice(from);
    const progress = shown.filter((h) => isProgressText(h.text)).map((h) => h.text);
    assert.ok(
      new Set(progress).size >= 2,
      `status bar changed during the run: ${JSON.stringify(shown.map((h) => h.text))}`,
    );
    assert.match(shown.at(-1)!.text, /^\$\(check\) Train mlp · \d+\.\d%$/);

    for (const f of ['model.json', 'weights.bin', 'manifest.json', 'metrics.json']) {
      assert.ok(fs.existsSync(path.join(outDir, f)), `${f} missing in ${outDir}`);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(outDir, 'metrics.json'), 'utf8')) as {
      standardAcc: number;
      arch: string;
    };
    assert.equal(metrics.arch, 'mlp');
    assert.equal(done.result?.kind, 'train');
    assert.equal(done.result.value.metrics.standardAcc, metrics.standardAcc);
    assert.ok(metrics.standardAcc > 0.5, `accuracy ${metrics.standardAcc}`);
  });

  test('a queued job is cancelled before it starts', async function () {
    this.timeout(60_000);
    const a = train({
      config: LONG,
      outDir: path.join(ws, 'runs', 'test', 'queue-a'),
      name: 'Train A',
    });
    const b = train({
      config: LONG,
      outDir: path.join(ws, 'runs', 'test', 'queue-b'),
      name: 'Train B',
    });
    const queued = await waitFor('B queued behind A', () =>
      hooks.jobs().find((j) => j.name === 'Train B' && j.state === 'queued'),
    );
    await waitFor('status bar counting the queue', () =>
      /\+1 queued/.test(hooks.statusText() ?? ''),
    );
    assert.equal(await vscode.commands.executeCommand('robustFeatures.cancelJob', queued.id), true);
    assert.equal((await b)?.reason, 'cancelled before it started');
    await vscode.commands.executeCommand('robustFeatures.cancelJob');
    assert.equal((await a)?.state, 'cancelled');
  });

  test('a worker crash fails the job with a reason and log tail; the next job gets a fresh worker', async function () {
    this.timeout(90_000);
    const job = train({
      config: LONG,
      outDir: path.join(ws, 'runs', 'test', 'crash'),
      name: 'Train crash',
    });
    await waitFor('training progress', () => isProgressText(hooks.statusText()), 60_000);
    // Heartbeats reach us while the engine computes (the worker's event loop gets turns).
    await waitFor('a heartbeat during training', () => hooks.jobs()[0]?.workerRssMB, 10_000);
    const [pid] = hooks.workerPids();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const failed = await job;
    assert.equal(failed?.state, 'failed');
    assert.match(failed.reason ?? '', /crashed \(signal SIGKILL\)/);
    assert.ok(Array.isArray(failed.logTail) && failed.logTail.length > 0, 'log tail attached');
    await waitFor('the dead worker dropped', () => hooks.workerPids().length === 0);

    const info = await vscode.commands.executeCommand<{ name: string } | undefined>(
      'robustFeatures.showBackend',
    );
    assert.equal(info?.name, 'wasm');
    const [fresh] = hooks.workerPids();
    assert.ok(fresh && fresh !== pid, 'a new worker process');
  });
});
