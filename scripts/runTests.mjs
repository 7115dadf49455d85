// The project's one test command (README, .ci/run): every tier in turn, then a closing line
// "all: N passed, N failed, N skipped" that CI reads. A tier that ran fewer tests than its floor
// (FLOORS) fails: a suite that stops loading must not pass as "0 passed, 0 failed".
//   node scripts/runTests.mjs            all tiers: static, unit, vscode, panels
//   node scripts/runTests.mjs unit       one tier (unit = engine/CLI tests under test/unit)
//   node scripts/runTests.mjs unit test/unit/data   only the files under a path
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argv = process.argv.slice(2).filter((a) => a !== '--all');
const TIERS = ['static', 'unit', 'vscode', 'panels'];
const tiers = argv.filter((a) => TIERS.includes(a));
const paths = argv.filter((a) => !TIERS.includes(a));
const run = tiers.length ? tiers : TIERS;
const totals = { passed: 0, failed: 0, skipped: 0 };

/**
 * The fewest tests (passed + failed) each tier may run, a little under what it ran when last
 * raised (unit: 423 tests loaded; vscode: 33; panels: 30), so that removing a test or two needs no
 * change here but a lost suite fails the tier.
 * Raise a floor when you add tests; lower it only with the reason in the commit body.
 * static: tsc, eslint, prettier. unit: the whole of test/unit (a path given on the command line
 * has no floor but 1). vscode: the main and restricted sessions. panels: the extension-host
 * panels suite and the browser checks.
 */
const FLOORS = { static: 3, unit: 400, vscode: 30, panels: 27 };

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

function count(tier, passed, failed, skipped = 0) {
  const floor = paths.length && tier === 'unit' ? 1 : FLOORS[tier];
  const short = passed + failed < floor;
  if (short) console.error(`${tier}: ran ${passed + failed} tests, fewer than its floor ${floor}`);
  const failures = failed + (short ? 1 : 0);
  totals.passed += passed;
  totals.failed += failures;
  totals.skipped += skipped;
  console.log(`${tier}: ${passed} passed, ${failures} failed, ${skipped} skipped`);
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
      console.error('no unit test files found');
      count('unit', 0, 0);
      continue;
    }
    // Every file the tests write under os.tmpdir() (kill runs, checkpoints, tfjs's wasm worker
    // script) lands in one folder, removed afterwards; a failed run keeps it for a look.
    const scratch = mkdtempSync(join(tmpdir(), 'rfl-unit-'));
    const r = sh(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
      { env: { ...process.env, RFL_TEST: '1', TMPDIR: scratch } },
    );
    if (r.status === 0) rmSync(scratch, { recursive: true, force: true });
    else console.error(`unit: the tests' temporary files are kept in ${scratch}`);
    const out = r.stdout ?? '';
    const stat = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)`, 'm').exec(out)?.[1] ?? 0);
    const fail = stat('fail') + (r.status !== 0 && !/^ℹ fail [1-9]/m.test(out) ? 1 : 0);
    // node:test counts skipped and todo tests apart from pass and fail.
    count('unit', stat('pass'), fail, stat('skipped') + stat('todo'));
  } else if (tier === 'vscode' || tier === 'panels') {
    // Real VS Code (code-server + chromium): extension-host suites, then the panels' browser checks.
    // Each script prints its own "<tier>: N passed, N failed, N skipped"; the floor is checked here.
    const script =
      tier === 'vscode' ? 'scripts/vscode/run-tests.sh' : 'scripts/vscode/e2e-panels.sh';
    const r = sh('bash', [script]);
    // The script's own closing line is its last: a session inside it may print the same words.
    const re = new RegExp(`^${tier}: (\\d+) passed, (\\d+) failed, (\\d+) skipped`, 'gm');
    const m = [...(r.stdout ?? '').matchAll(re)].at(-1);
    if (m) {
      const [passed, failed, skipped] = [m[1], m[2], m[3]].map(Number);
      count(tier, passed, failed + (r.status !== 0 && failed === 0 ? 1 : 0), skipped);
    } else count(tier, 0, 1);
  }
}
console.log(`\nall: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed ? 1 : 0);
