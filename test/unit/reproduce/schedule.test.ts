/** The task-graph scheduler of `reproduce`, on small graphs of timed tasks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bottomLevels, runDag, type DagTask } from '../../../src/engine/reproduce/schedule';
import { AbortedError } from '../../../src/engine/types';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(new AbortedError('task'))), {
      once: true,
    });
  });

/** A task that records when it ran; `ms` of waiting stands for its work. */
function task(
  id: string,
  deps: string[],
  cost: number,
  log: string[],
  opts: { done?: boolean; fail?: boolean; inline?: boolean } = {},
): DagTask {
  return {
    id,
    step: id.split('#')[0] as string,
    deps,
    cost,
    inline: opts.inline,
    done: () => opts.done ?? false,
    run: async (ctx) => {
      log.push(`+${id}`);
      await sleep(cost, ctx.signal);
      if (opts.fail) throw new Error(`${id} failed`);
      log.push(`-${id}`);
    },
  };
}

test('bottom levels add the costliest chain after each task', () => {
  const log: string[] = [];
  const lv = bottomLevels([
    task('a', [], 10, log),
    task('b', ['a'], 5, log),
    task('c', ['a'], 20, log),
    task('d', ['b', 'c'], 1, log),
  ]);
  assert.deepEqual(Object.fromEntries(lv), { a: 31, b: 6, c: 21, d: 1 });
  assert.throws(() => bottomLevels([task('x', ['y'], 1, log), task('y', ['x'], 1, log)]), /cycle/);
  assert.throws(() => bottomLevels([task('x', ['nope'], 1, log)]), /unknown task nope/);
});

test('dependencies finish before dependants start, at most `slots` run at once, the critical path starts first', async () => {
  const log: string[] = [];
  // Two chains: long (a → c) and short (b); with two slots a and b start together.
  const tasks = [
    task('b', [], 20, log),
    task('a', [], 40, log),
    task('c', ['a'], 40, log),
    task('d', ['b'], 10, log),
    task('e', ['c', 'd'], 5, log),
  ];
  const records = await runDag(tasks, 2);
  assert.deepEqual(log.slice(0, 2), ['+a', '+b'], 'highest bottom level first');
  let running = 0;
  for (const entry of log) {
    running += entry.startsWith('+') ? 1 : -1;
    assert.ok(running <= 2, `more than two at once: ${log.join(' ')}`);
  }
  for (const t of tasks)
    for (const d of t.deps)
      assert.ok(
        log.indexOf(`-${d}`) < log.indexOf(`+${t.id}`),
        `${t.id} started before ${d} ended`,
      );
  assert.equal(records.length, 5);
  const one = await runDag(
    tasks.map((t) => ({ ...t })),
    1,
  );
  assert.equal(one.length, 5);
});

test('finished tasks are skipped and inline tasks take no slot', async () => {
  const log: string[] = [];
  const records = await runDag(
    [
      task('a', [], 5, log, { done: true }),
      task('b', ['a'], 30, log),
      task('i', ['a'], 30, log, { inline: true }),
    ],
    1,
  );
  assert.equal(records.find((r) => r.id === 'a')?.skipped, true);
  assert.ok(!log.includes('+a'));
  assert.deepEqual(log.slice(0, 2).sort(), ['+b', '+i'], 'the inline task ran beside the one slot');
});

test('a failing task stops the running ones and its error is reported, not their cancellation', async () => {
  const log: string[] = [];
  await assert.rejects(
    runDag(
      [
        task('slow', [], 2000, log),
        task('bad', [], 10, log, { fail: true }),
        task('after', ['bad'], 1, log),
      ],
      2,
    ),
    /bad failed/,
  );
  assert.ok(!log.includes('-slow') && !log.includes('+after'), log.join(' '));
});

test('cancelling from outside rejects with AbortedError', async () => {
  const log: string[] = [];
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(
    runDag([task('long', [], 5000, log)], 1, { signal: ac.signal }),
    AbortedError,
  );
});
