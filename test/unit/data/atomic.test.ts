import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
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
