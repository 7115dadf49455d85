/**
 * A job stopped because the editor shuts down (the job queue disposed: deactivate) is
 * interrupted, not cancelled by the user, so running its command again resumes it
 * (commands/runJob.ts). A real worker (dist/worker.js) training on Fashion-MNIST.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobQueue } from '../../../src/extension/worker/jobQueue';
import { buildBundles } from '../../helpers/bundles';

const root = path.resolve(__dirname, '../../..');

before(() => {
  buildBundles('worker');
});

test('jobs stopped by the editor shutting down end interrupted, running or queued', async () => {
  const queue = new JobQueue({
    workerScript: path.join(root, 'dist', 'worker.js'),
    backend: () => 'wasm',
    poolSize: () => 1,
    cancelGraceMs: 5000,
    heartbeatMs: 1000,
    idleTimeoutMs: 60_000,
  });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-shutdown-'));
  const config = {
    model: 'mlp' as const,
    data: 'fashion-mnist',
    epochs: 20,
    batchSize: 64,
    lr: 0.001,
    optimizer: 'adam' as const,
    trainLimit: 2000,
    testLimit: 100,
    seed: 0,
  };
  const running = queue.enqueue('Train', {
    kind: 'train',
    params: { config, outDir: path.join(out, 'a') },
  });
  const queued = queue.enqueue('Train 2', {
    kind: 'train',
    params: { config, outDir: path.join(out, 'b') },
  });
  // Under way: a training progress event arrived.
  await new Promise<void>((resolve) =>
    running.on('change', (j) => j.progress?.phase === 'train' && resolve()),
  );
  queue.dispose();
  const [a, b] = await Promise.all([running.done, queued.done]);
  assert.equal(a.interrupted, true, JSON.stringify(a));
  assert.equal(a.reason, 'the editor shut down during the job');
  assert.equal(b.interrupted, true, JSON.stringify(b));
  assert.equal(b.reason, 'cancelled before it started');
});
