/**
 * The long-lived pool threads: jobs in sequence reuse one thread (and give the same bytes as a
 * fresh one), a failed or cancelled job rejects and the pool still serves the next job, a thread
 * that dies rejects its job, and idle threads do not keep the process alive: this file finishing
 * is the proof of that last one.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../src/engine/backend/ladder';
import { runInThread, runInThreads, poolStats, closePool } from '../../../src/engine/pool/pool';
import type { ThreadJob } from '../../../src/engine/pool/threadEntry';
import type { TrainConfig } from '../../../src/engine/train/config';
import { AbortedError, type ProgressEvent } from '../../../src/engine/types';

before(async () => {
  await initBackend('wasm');
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-pool-'));
const small: TrainConfig = {
  model: 'mlp',
  data: 'fashion-mnist',
  trainLimit: 256,
  testLimit: 100,
  epochs: 1,
  batchSize: 64,
  optimizer: 'adam',
  lr: 1e-3,
  seed: 0,
};
const train = (cfg: Partial<TrainConfig> = {}): ThreadJob & { outDir: string } => ({
  kind: 'train',
  cfg: { ...small, ...cfg },
  outDir: tmp(),
});
const weights = (job: { outDir: string }) => fs.readFileSync(path.join(job.outDir, 'weights.bin'));

test('two jobs in sequence run on one thread, which initialised once and gives the same weights again', async () => {
  const start = poolStats();
  const a = train();
  const events: ProgressEvent[] = [];
  await runInThread(a, { onProgress: (e) => events.push(e) });
  assert.ok(events.length > 0, 'progress crosses from the thread');
  assert.deepEqual(poolStats(), {
    started: start.started + 1,
    alive: start.alive + 1,
    idle: start.idle + 1,
  });
  const b = train();
  await runInThread(b, {});
  assert.equal(poolStats().started, start.started + 1, 'the second job reused the idle thread');
  assert.ok(weights(a).equals(weights(b)), 'a reused thread trains the same bytes as a fresh one');
});

test("a job that throws rejects with the thread's message, and the next job still runs", async () => {
  const missing = path.join(tmp(), 'no-such-checkpoint');
  await assert.rejects(
    runInThread(
      {
        kind: 'eval',
        dir: missing,
        settings: {
          data: 'fashion-mnist',
          testLimit: 10,
          seed: 0,
          norm: 'l2',
          eps: 0.5,
          steps: 1,
          restarts: 1,
        },
      },
      {},
    ),
    (e: Error) => {
      assert.ok(!(e instanceof AbortedError));
      assert.match(e.message, /no-such-checkpoint/);
      return true;
    },
  );
  const job = train();
  await runInThread(job, {});
  assert.ok(weights(job).length > 0);
});

test('cancellation rejects with AbortedError (also when already cancelled) and a later job succeeds', async () => {
  const stop = new AbortController();
  const long = train({ trainLimit: 2000, epochs: 5 });
  await assert.rejects(
    runInThread(long, { signal: stop.signal, onProgress: () => stop.abort() }),
    AbortedError,
  );
  assert.ok(
    !fs.existsSync(path.join(long.outDir, 'metrics.json')),
    'the cancelled training did not finish',
  );
  await assert.rejects(runInThread(train(), { signal: stop.signal }), AbortedError);
  const job = train();
  await runInThread(job, {});
  assert.ok(weights(job).length > 0);
});

test('runInThreads runs its jobs side by side and leaves the threads for the next call', async () => {
  const jobs = [train(), train({ seed: 1 })];
  await runInThreads(jobs, {});
  const after = poolStats();
  assert.ok(after.idle >= 2, JSON.stringify(after));
  await runInThreads([train(), train({ seed: 1 })], {});
  assert.equal(poolStats().started, after.started, 'no new threads for the second call');
  assert.ok(!weights(jobs[0]!).equals(weights(jobs[1]!)));
});

test('a thread that dies under its job rejects it with a clear error and is replaced', async () => {
  const dying = runInThread(train({ trainLimit: 2000, epochs: 5 }), {
    onProgress: () => void closePool({ force: true }),
  });
  await assert.rejects(dying, /pool thread exited with code \d+ while running a train job/);
  assert.equal(poolStats().alive, 0);
  const before = poolStats().started;
  const job = train();
  await runInThread(job, {});
  assert.equal(poolStats().started, before + 1);
  assert.ok(weights(job).length > 0);
});
