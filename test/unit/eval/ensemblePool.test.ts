/**
 * AutoAttack's batches on the engine's thread pool (ensembleChunks.ts, attackChunk.ts), on a small
 * cnn trained here on real Fashion-MNIST:
 * - one batch attacked in a pool thread (one single-threaded wasm instance) gives the very bytes
 *   of the same batch attacked on this thread (wasm with a thread per core);
 * - the ensemble with a pool of 2 gives the same record as without, attack by attack;
 * - a cancel stops the threads' batches, and a thread's failure reaches the caller with its cause.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fashionCheckpoint } from '../../helpers/fashionCheckpoint';
import type { LogitsFn } from '../../../src/engine/eval/accuracy';
import { evaluateEnsemble, standardBudget } from '../../../src/engine/eval/autoattack';
import { runAttackChunk, type AttackChunkResult } from '../../../src/engine/eval/attackChunk';
import { gatherImages } from '../../../src/engine/train/batches';
import { closePool, poolStats, runForResult } from '../../../src/engine/pool/pool';
import { AbortedError, type Dataset } from '../../../src/engine/types';

let dir = '';
let fn: LogitsFn;
let testSet: Dataset;

before(async () => {
  ({ dir, testSet, fn } = await fashionCheckpoint({
    prefix: 'rfl-ensemble-pool-',
    trainLimit: 400,
    testLimit: 60,
    config: { model: 'cnn', epochs: 1, batchSize: 50, seed: 3 },
  }));
});

const plan = [
  { ...standardBudget('apgd-ce'), iterations: 8 },
  { ...standardBudget('apgd-t'), iterations: 4, targetClasses: 2 },
  { ...standardBudget('square'), queries: 40 },
];

test('a batch attacked in a pool thread is byte-identical to the same batch here', async () => {
  const idx = Array.from({ length: 24 }, (_, i) => i);
  for (const attack of [plan[1]!, plan[2]!]) {
    const job = {
      attack,
      norm: 'l2' as const,
      eps: 1,
      seed: 9,
      images: gatherImages(testSet, idx),
      labels: Int32Array.from(idx, (i) => testSet.labels[i]!),
      shape: [24, 28, 28, 1] as [number, number, number, number],
    };
    const here = await runAttackChunk(fn, job, {});
    const there = (await runForResult(
      { kind: 'attack', checkpoint: dir, ...job },
      {},
    )) as AttackChunkResult;
    assert.deepEqual(there.success, here.success, attack.name);
    assert.ok(Buffer.from(there.adv.buffer).equals(Buffer.from(here.adv.buffer)), attack.name);
    assert.ok(here.success.some(Boolean), `${attack.name} broke something`);
  }
});

test('the ensemble with a pool of 2 gives the record it gives without', async () => {
  const o = { norm: 'l2' as const, eps: 1, attacks: plan, seed: 5, batchSize: 20 };
  const strip = (r: Awaited<ReturnType<typeof evaluateEnsemble>>) => ({
    ...r,
    attacks: r.attacks.map((a) => ({ ...a, seconds: 0 })),
  });
  const fractions: number[] = [];
  const pooled = await evaluateEnsemble(
    fn,
    testSet,
    { ...o, pool: { checkpoint: dir, size: 2 } },
    {
      onProgress: (e) => fractions.push(e.fraction),
    },
  );
  const alone = await evaluateEnsemble(fn, testSet, o);
  assert.deepEqual(strip(pooled), strip(alone));
  assert.ok(pooled.check.points > 0 && pooled.check.held === pooled.check.points);
  fractions.forEach((f, i) => assert.ok(f >= (i ? fractions[i - 1]! : 0) && f <= 1, `${i}: ${f}`));
  assert.ok(fractions.length > 10);
});

test('a cancel stops the pooled batches; a thread that fails says why', async () => {
  const abort = new AbortController();
  const square = [{ ...standardBudget('square'), queries: 5000 }];
  await assert.rejects(
    evaluateEnsemble(
      fn,
      testSet,
      {
        norm: 'l2',
        eps: 0.3,
        attacks: square,
        seed: 5,
        batchSize: 20,
        pool: { checkpoint: dir, size: 2 },
      },
      {
        signal: abort.signal,
        onProgress: (e) => {
          if (e.fraction > 0.001) abort.abort();
        },
      },
    ),
    (e: unknown) => e instanceof AbortedError,
  );
  assert.equal(poolStats().alive - poolStats().idle, 0, 'no thread still busy');
  const missing = path.join(dir, 'no-such-checkpoint');
  await assert.rejects(
    evaluateEnsemble(fn, testSet, {
      norm: 'l2',
      eps: 1,
      attacks: [plan[0]!],
      seed: 5,
      batchSize: 20,
      pool: { checkpoint: missing, size: 2 },
    }),
    (e: unknown) => e instanceof Error && e.message.includes('no-such-checkpoint'),
  );
  await closePool();
});
