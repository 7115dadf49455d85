/**
 * The esbuild bundles in dist/ that tests run as users do (the CLI, the worker). Several test
 * files build them while others run them; esbuild.mjs replaces each file by a rename, so a
 * process starting dist/cli.js during a build reads the old file or the new one, never a part.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

export function buildBundles(...names: ('cli' | 'worker')[]): void {
  const b = spawnSync(process.execPath, ['esbuild.mjs', '--only', names.join(',')], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(b.status, 0, `node esbuild.mjs --only ${names.join(',')}: ${b.stderr}`);
}
