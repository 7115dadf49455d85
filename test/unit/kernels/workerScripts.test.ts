/** tfjs's pthread worker script, written per process: a killed process's copy is removed later. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeOrphanedWorkerScripts } from '../../../src/engine/kernels/threads/threads';

test("a dead process's worker script is removed; a live one's and other files are kept", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-worker-scripts-'));
  // A process that has exited: its id names no running process.
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const names = {
    dead: `rfl-tfjs-wasm-4.22.0-${dead}.worker.js`,
    mine: `rfl-tfjs-wasm-4.22.0-${process.pid}.worker.js`,
    parent: `rfl-tfjs-wasm-4.22.0-${process.ppid}.worker.js`,
    other: `rfl-tfjs-wasm-notes-${dead}.txt`,
  };
  for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), 'x');
  removeOrphanedWorkerScripts(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), [names.mine, names.other, names.parent].sort());
});
