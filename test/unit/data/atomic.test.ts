import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from '../../../src/engine/formats/atomic';
import { tempDir } from './helpers';

test('atomic writes replace the file, create folders, accept strings / views / ArrayBuffers, leave no temp', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'a', 'b.json');
  writeFileAtomic(f, '{"x":1}');
  writeFileAtomic(f, '{"x":2}');
  assert.equal(readFileSync(f, 'utf8'), '{"x":2}');
  const g = path.join(dir, 'w.bin');
  writeFileAtomic(g, new Float32Array([1]).buffer);
  assert.equal(readFileSync(g).length, 4);
  await writeFileAtomicAsync(g, new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 3));
  assert.deepEqual([...readFileSync(g)], [8, 7]);
  assert.deepEqual(readdirSync(dir).sort(), ['a', 'w.bin']);
  mkdirSync(path.join(dir, 'isdir'));
  assert.throws(() => writeFileAtomic(path.join(dir, 'isdir'), 'x'));
  await assert.rejects(writeFileAtomicAsync(path.join(dir, 'isdir'), 'x'));
  assert.deepEqual(
    readdirSync(dir).sort(),
    ['a', 'isdir', 'w.bin'],
    'failed writes clean up their temp file',
  );
});

test('a write removes the temp files of the same file left by dead processes, and only those', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'weights.bin');
  // A process that has exited: its pid is free (a SIGKILLed writer's temp looks like this).
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(dead);
  const orphan = `.weights.bin.${dead}.0badc0de.tmp`;
  const mine = `.weights.bin.${process.pid}.12345678.tmp`; // another thread of this process, mid-write
  const live = `.weights.bin.${process.ppid}.9abcdef0.tmp`; // a live writer
  const other = `.model.json.${dead}.0badc0de.tmp`; // another file's: that write will clean it
  for (const n of [orphan, mine, live, other]) writeFileSync(path.join(dir, n), 'partial');
  writeFileAtomic(f, 'whole');
  assert.deepEqual(readdirSync(dir).sort(), [live, other, mine, 'weights.bin'].sort());
  writeFileSync(path.join(dir, orphan), 'partial');
  await writeFileAtomicAsync(f, 'whole again');
  assert.deepEqual(readdirSync(dir).sort(), [live, other, mine, 'weights.bin'].sort());
  assert.equal(readFileSync(f, 'utf8'), 'whole again');
});
