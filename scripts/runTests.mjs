// The project's one test command (README, .ci/run): every tier in turn, then a closing line
// "all: N passed, N failed" that CI reads.
//   node scripts/runTests.mjs            all tiers: static, unit, vscode, panels
//   node scripts/runTests.mjs unit       one tier (unit = engine/CLI tests under test/unit)
//   node scripts/runTests.mjs unit test/unit/data   only the files under a path
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2).filter((a) => a !== '--all');
const TIERS = ['static', 'unit', 'vscode', 'panels'];
const tiers = argv.filter((a) => TIERS.includes(a));
const paths = argv.filter((a) => !TIERS.includes(a));
const run = tiers.length ? tiers : TIERS;
const totals = { passed: 0, failed: 0 };

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
    ...opts,
  });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  return r;
}

function count(tier, passed, failed) {
  totals.passed += passed;
  totals.failed += failed;
  console.log(`${tier}: ${passed} passed, ${failed} failed`);
}

function testFiles(roots) {
  const files = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
    else if (p.endsWith('.test.ts')) files.push(p);
  };
  roots.forEach(walk);
  return files;
}

for (const tier of run) {
  console.log(`\n=== ${tier} ===`);
  if (tier === 'static') {
    // Type-check, lint and format check are one "test" each: they pass or fail as a whole.
    const tsc = sh(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']);
    const lint = sh(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
    const format = sh(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--check', '.']);
    const checks = [tsc, lint, format];
    count(
      'static',
      checks.filter((r) => r.status === 0).length,
      checks.filter((r) => r.status !== 0).length,
    );
  } else if (tier === 'unit') {
    const files = testFiles(paths.length ? paths : ['test/unit']);
    if (!files.length) {
      count('unit', 0, 1);
      console.error('no unit test files found');
      continue;
    }
    const r = sh(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
      { env: { ...process.env, RFL_TEST: '1' } },
    );
    const out = r.stdout ?? '';
    const pass = Number(/^ℹ pass (\d+)/m.exec(out)?.[1] ?? 0);
    const fail =
      Number(/^ℹ fail (\d+)/m.exec(out)?.[1] ?? 0) +
      (r.status !== 0 && !/^ℹ fail [1-9]/m.test(out) ? 1 : 0);
    count('unit', pass, fail);
  } else if (tier === 'vscode' || tier === 'panels') {
    // Real VS Code (code-server + chromium): extension-host suites, then the panels' browser checks.
    // Each script prints its own "<tier>: N passed, N failed"; only add it to the totals here.
    const script =
      tier === 'vscode' ? 'scripts/vscode/run-tests.sh' : 'scripts/vscode/e2e-panels.sh';
    const r = sh('bash', [script]);
    const m = new RegExp(`^${tier}: (\\d+) passed, (\\d+) failed`, 'm').exec(r.stdout ?? '');
    if (m) {
      totals.passed += Number(m[1]);
      totals.failed += Number(m[2]) + (r.status !== 0 && Number(m[2]) === 0 ? 1 : 0);
    } else count(tier, 0, 1);
  }
}
console.log(`\nall: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
