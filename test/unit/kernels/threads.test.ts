/**
 * The threaded wasm build under Node (threads.ts): a child process with 2 pthreads (and our loops
 * on 2 threads, loopThreads.ts) computes our kernels' results bit-for-bit like this
 * single-threaded process. (Whether it is faster depends
 * on free cores: see CHANGELOG.md, 0.1.0, "Threads".)
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackends } from './helpers';
import { threadCases } from './threadCases';

before(setupBackends);

test('2 wasm threads start under Node and give bit-identical results', async () => {
  const child = path.join(__dirname, 'threadsChild.ts');
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', child], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 1 << 26,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('{"threads"'));
  assert.ok(line, `no result line in: ${stdout.slice(0, 500)}`);
  const {
    threads,
    loopThreads,
    helperPrograms,
    trap,
    afterTrap,
    longRanHere,
    untakenRanHere,
    out,
  } = JSON.parse(line) as {
    threads: number;
    loopThreads: number;
    helperPrograms: number;
    trap: string;
    afterTrap: boolean;
    longRanHere: boolean;
    untakenRanHere: boolean;
    out: Record<string, string>;
  };
  assert.equal(threads, 2);
  // Our loops ran on two threads too (Winograd, filter gradient, pooling split their work).
  assert.equal(loopThreads, 2);
  assert.ok(helperPrograms > 0, 'no program ran on the helper thread');
  assert.match(trap, /helper thread trapped/);
  assert.ok(afterTrap, 'the loops gave a different result after a helper trapped');
  assert.ok(longRanHere, 'a program too long for a helper did not run on the calling thread');
  assert.ok(untakenRanHere, 'a program no helper took did not run on the calling thread');
  await tf.setBackend('wasm');
  for (const [name, f] of Object.entries(threadCases())) {
    const t = f();
    const mine = Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64');
    t.dispose();
    assert.equal(out[name], mine, `${name} differs between 1 and 2 threads`);
  }
});
