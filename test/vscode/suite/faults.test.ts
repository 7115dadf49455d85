/**
 * Worker faults (issue 9 part 3), in a real extension host with real workers: a worker that
 * crashes, one that hangs (no heartbeat: the watchdog kills it) and one that runs out of heap
 * (--max-old-space-size: V8's OOM exit is recognised). Each time the job fails with the reason
 * and the worker's log tail, the extension host keeps answering while the worker is stuck, and
 * the next job runs to completion on a fresh worker.
 *
 * The faults are injected by the worker's test hook (src/worker/testFaults.ts), armed through
 * the environment the next forked worker inherits from this process; the hang timeout and heap
 * limit are read the same way (src/extension/worker/workerProcess.ts), so only workers forked
 * inside a test see them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainConfig } from '../../../src/engine/train/config';
import type { TestHooks } from '../../../src/extension/api';
import type { TrainCommandArgs } from '../../../src/extension/commands/train';
import type { JobOutcome } from '../../../src/extension/worker/job';
import type { EvaluateCommandArgs } from '../../../src/extension/commands/evaluate';
import { encodeNpy } from '../../../src/engine/formats/npy';
import { activateExtension, recordTiming, waitFor } from './helpers';

// Seconds of work on 2 cores: enough to be a real job, short enough to run four times.
const TINY: Partial<TrainConfig> = {
  model: 'mlp',
  epochs: 1,
  batchSize: 64,
  trainLimit: 1_000,
  testLimit: 200,
  seed: 0,
};

const train = (args: TrainCommandArgs) =>
  vscode.commands.executeCommand<JobOutcome | undefined>('robustFeatures.trainModel', args);

const evaluate = (args: EvaluateCommandArgs) =>
  vscode.commands.executeCommand<JobOutcome | undefined>('robustFeatures.evaluateRobustness', args);

const ENV_KEYS = ['RFL_TEST_WORKER_FAULT', 'RFL_WORKER_HANG_TIMEOUT_MS', 'RFL_WORKER_HEAP_MB'];

suite('worker faults', () => {
  let hooks: TestHooks;
  let ws: string;
  suiteSetup(async () => {
    ({ hooks } = await activateExtension());
    ws = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  });
  teardown(() => {
    for (const k of ENV_KEYS) delete process.env[k];
  });

  /** No idle worker may be reused: the next job must fork one that sees the test's environment. */
  async function noWorkers(): Promise<void> {
    for (const pid of hooks.workerPids()) process.kill(pid, 'SIGKILL');
    await waitFor('no live worker', () => hooks.workerPids().length === 0, 10_000);
  }

  /** Arms the fault for the next forked worker, starts a job, waits until that worker runs it. */
  async function faultyJob(fault: string, env: Record<string, string>, name: string) {
    await noWorkers();
    Object.assign(process.env, { RFL_TEST_WORKER_FAULT: fault, ...env });
    const outDir = path.join(ws, 'runs', 'test', `fault-${fault}`);
    const job = train({ config: TINY, outDir, name });
    const [pid] = await waitFor('the faulty worker', () => {
      const pids = hooks.workerPids();
      return pids.length > 0 && pids;
    });
    // Disarm at once: only the worker already forked carries the fault.
    for (const k of ENV_KEYS) delete process.env[k];
    return { job, pid: pid!, outDir };
  }

  /** The next job gets a fresh worker (not the dead one) and completes. */
  async function nextJobSucceeds(deadPid: number, label: string): Promise<void> {
    const outDir = path.join(ws, 'runs', 'test', `after-${label}`);
    const done = await train({ config: TINY, outDir, name: `Train after ${label}` });
    assert.equal(done?.state, 'succeeded', JSON.stringify(done));
    assert.ok(
      done.workerPid && done.workerPid !== deadPid,
      `a fresh worker (${done.workerPid} ≠ ${deadPid})`,
    );
    // The closing status-bar render is throttled: let it land, so the next suite starts clean.
    await waitFor(
      'the result in the status bar',
      () => /^\$\(check\)/.test(hooks.statusText() ?? ''),
      5_000,
    );
  }

  test('a crashing worker fails its job with the exit and the log tail; the next job gets a fresh worker', async function () {
    this.timeout(120_000);
    const { job, pid } = await faultyJob('crash', {}, 'Train crash');
    const failed = await job;
    assert.equal(failed?.state, 'failed', JSON.stringify(failed));
    assert.match(failed.reason ?? '', /^compute worker crashed \(exit code 1\)$/);
    const tail = (failed.logTail ?? []).join('\n');
    assert.match(tail, /test fault 'crash' injected into job/);
    assert.match(tail, /uncaught Error: injected crash/);
    await waitFor('the dead worker dropped', () => !hooks.workerPids().includes(pid), 10_000);
    await nextJobSucceeds(pid, 'crash');
  });

  test('a hung worker (no heartbeat) is killed by the watchdog; the host stays responsive', async function () {
    this.timeout(120_000);
    const hangMs = 4_000;
    const { job, pid } = await faultyJob(
      'hang',
      { RFL_WORKER_HANG_TIMEOUT_MS: String(hangMs) },
      'Train hang',
    );
    let settled = false;
    void job.then(() => (settled = true));
    await waitFor(
      'the job to reach the worker',
      () => hooks.jobs()[0]?.state === 'running',
      60_000,
    );

    // While the worker spins, the host still runs: its timers fire and a command round trip (Show
    // Backend answers from the live worker's handshake, without asking it anything) completes
    // before the hung job is given up. How late they were is recorded, not asserted.
    const t0 = performance.now();
    let worstLateness = 0;
    for (let i = 0; i < 10; i++) {
      const due = performance.now() + 50;
      await new Promise((r) => setTimeout(r, 50));
      worstLateness = Math.max(worstLateness, performance.now() - due);
    }
    const tc = performance.now();
    const info = await vscode.commands.executeCommand<{ name: string } | undefined>(
      'robustFeatures.showBackend',
    );
    const roundTrip = performance.now() - tc;
    assert.equal(info?.name, 'wasm');
    assert.ok(!settled, 'the probes ran while the worker was still hung');
    assert.deepEqual(hooks.workerPids(), [pid], 'still the hung worker: nothing new was forked');
    recordTiming('host timer lateness while the worker hangs (worst)', worstLateness);
    recordTiming('Show Backend round trip while the worker hangs', roundTrip);

    const failed = await job;
    recordTiming('hang → job failed', performance.now() - t0);
    assert.equal(failed?.state, 'failed', JSON.stringify(failed));
    assert.match(
      failed.reason ?? '',
      /^compute worker hung: no heartbeat for \d+\.\d s \(limit 4\.0 s\); killed \(signal SIG(TERM|KILL)\)$/,
    );
    const tail = (failed.logTail ?? []).join('\n');
    assert.match(tail, /test fault 'hang' injected into job/);
    assert.match(tail, /watchdog: compute worker hung/);
    await waitFor('the hung worker gone', () => !hooks.workerPids().includes(pid), 10_000);
    await nextJobSucceeds(pid, 'hang');
  });

  test('a worker out of heap memory is recognised as such; the next job gets a fresh worker', async function () {
    this.timeout(180_000);
    // 96 MB: enough for the worker and tfjs to start, quickly exhausted by the hook's allocation.
    // The hang timeout stays long: V8's last garbage collections before giving up are silent too.
    const { job, pid } = await faultyJob(
      'oom',
      { RFL_WORKER_HEAP_MB: '96', RFL_WORKER_HANG_TIMEOUT_MS: '120000' },
      'Train oom',
    );
    const failed = await job;
    assert.equal(failed?.state, 'failed', JSON.stringify(failed));
    assert.match(
      failed.reason ?? '',
      /^compute worker ran out of memory \(heap limit 96 MB; (signal SIGABRT|exit code \d+)\)$/,
    );
    const tail = (failed.logTail ?? []).join('\n');
    assert.match(tail, /test fault 'oom' injected into job/);
    assert.match(tail, /heap out of memory|Reached heap limit/);
    await waitFor('the dead worker dropped', () => !hooks.workerPids().includes(pid), 10_000);
    await nextJobSucceeds(pid, 'oom');
  });
  test('a worker that hangs while starting (no answer to initialize) is killed; the next job runs', async function () {
    this.timeout(120_000);
    const { job, pid } = await faultyJob(
      'hang-init',
      { RFL_WORKER_HANG_TIMEOUT_MS: '3000' },
      'Train hang-init',
    );
    const failed = await job;
    assert.equal(failed?.state, 'failed', JSON.stringify(failed));
    assert.match(
      failed.reason ?? '',
      /^compute worker hung: no answer to initialize within \d+\.\d s \(limit 3\.0 s\); killed \(signal SIG(TERM|KILL)\)$/,
    );
    assert.match(
      (failed.logTail ?? []).join('\n'),
      /test fault 'hang-init' injected into initialize/,
    );
    await waitFor('the hung worker gone', () => !hooks.workerPids().includes(pid), 10_000);
    await nextJobSucceeds(pid, 'hang-init');
  });

  test('malformed input fails the job with the file and the problem, loses nothing, rejects nothing unhandled', async function () {
    this.timeout(120_000);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // A dataset folder (train/ and test/) whose training images hold a NaN pixel.
      const data = path.join(ws, 'runs', 'test', 'broken-data');
      for (const split of ['train', 'test']) {
        const px = new Float32Array(4 * 4 * 4).fill(0.5);
        if (split === 'train') px[37] = NaN;
        fs.mkdirSync(path.join(data, split), { recursive: true });
        fs.writeFileSync(path.join(data, split, 'images.npy'), encodeNpy(px, [4, 4, 4, 1]));
        fs.writeFileSync(
          path.join(data, split, 'labels.npy'),
          encodeNpy(Int32Array.from([0, 1, 0, 1]), [4]),
        );
      }
      const out = path.join(ws, 'runs', 'test', 'on-broken-data');
      const t = await train({
        config: { ...TINY, data: `npy:${data}` },
        outDir: out,
        name: 'Train on broken data',
      });
      assert.equal(t?.state, 'failed', JSON.stringify(t));
      assert.equal(
        t.reason,
        `${path.join(data, 'train', 'images.npy')}: pixel 37 (image 2) is NaN`,
      );
      assert.ok(!fs.existsSync(path.join(out, 'model.json')), 'no checkpoint from bad data');

      // A checkpoint whose weights.bin was cut short: evaluation fails naming it, metrics.json stays.
      const good = path.join(ws, 'runs', 'test', 'after-crash');
      const broken = path.join(ws, 'runs', 'test', 'truncated-ckpt');
      fs.cpSync(good, broken, { recursive: true });
      const weights = path.join(broken, 'weights.bin');
      fs.truncateSync(weights, fs.statSync(weights).size - 4);
      const metricsBefore = fs.readFileSync(path.join(broken, 'metrics.json'));
      const e = await evaluate({
        checkpoint: broken,
        norm: 'l2',
        eps: [1],
        steps: 2,
        limit: 20,
        name: 'Evaluate truncated',
      });
      assert.equal(e?.state, 'failed', JSON.stringify(e));
      assert.ok(e.reason?.startsWith(`${weights}: `), e.reason);
      assert.match(
        e.reason ?? '',
        /: \d+ bytes, but .*model\.json describes \d+ bytes .*: truncated/,
      );
      assert.deepEqual(
        fs.readFileSync(path.join(broken, 'metrics.json')),
        metricsBefore,
        'metrics.json untouched',
      );
      // An engine error leaves the worker usable: no respawn was needed.
      assert.equal(e.workerPid, t.workerPid);
      await new Promise((r) => setTimeout(r, 100)); // let any stray rejection surface
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
