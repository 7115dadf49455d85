// Runs the engine/unit test files with node's own test runner (its summary is what CI reads).
// Usage: node scripts/runTests.mjs [tier...]   tiers: unit (default). Extra args after -- go to node.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const roots = (tiers.length ? tiers : ['unit']).map((t) => join('test', t));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
};
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, RFL_TEST: '1' },
});
process.exit(r.status ?? 1);
