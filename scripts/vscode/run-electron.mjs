// The same suites in desktop VS Code (Electron) via @vscode/test-electron, for machines that can
// download VS Code (it fetches a build at run time into .vscode-ci/vscode-test; offline it fails with
// ENOTFOUND update.code.visualstudio.com: use `npm run test:vscode`, the code-server runner).
// Launches as in run-tests.sh and e2e-panels.sh: 'main' and 'panels' with workspace trust off,
// 'restricted' with it on, in a workspace holding a checkpoint (test/vscode/restrictedWorkspace.ts).
// Closing line: "vscode-electron: N passed, N failed, N skipped". Env: VSCODE_VERSION (1.100.3).
// This script runs under plain Node without TypeScript, so it words errors itself.
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const R = process.env.R ?? join(root, '.vscode-ci');
const mocha = join(R, 'tools/node_modules/mocha');
if (!existsSync(mocha))
  execFileSync('bash', [join(root, 'scripts/vscode/install.sh'), '--tools-only'], {
    stdio: 'inherit',
  });
execFileSync(process.execPath, ['esbuild.mjs', '--only', 'extension,worker,cli'], {
  cwd: root,
  stdio: 'inherit',
});
// The panels suite reads a reproduce run made by the engine (no 10,000-row gallery: BIG_ROWS 0).
const fixture = join(R, 'fixture-electron');
execFileSync('npx', ['tsx', 'test/vscode/e2e/fixture.ts', fixture, '0'], {
  cwd: root,
  stdio: 'inherit',
});
execFileSync(process.execPath, ['scripts/vscode/build-tests.mjs', join(R, 'dist-test')], {
  cwd: root,
  stdio: 'inherit',
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of ['main', 'panels', 'restricted']) {
  const ws = mkdtempSync(join(R, 'tmp', `ws-electron-${suite}-`));
  if (suite === 'restricted')
    execFileSync('npx', ['tsx', 'test/vscode/restrictedWorkspace.ts', ws], {
      cwd: root,
      stdio: 'inherit',
    });
  const resultFile = join(R, `results-electron-${suite}.json`);
  rmSync(resultFile, { force: true });
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? '1.100.3',
      cachePath: join(R, 'vscode-test'), // not .vscode-test/ in the repo: .vscode-ci/ is git-ignored
      extensionDevelopmentPath: root,
      extensionTestsPath: join(R, 'dist-test/index.js'),
      extensionTestsEnv: {
        RFL_VSCODE_SUITE: suite,
        RFL_TEST_RESULT_FILE: resultFile,
        RFL_MOCHA_PATH: mocha,
        RFL_PANELS_FIXTURE: fixture,
      },
      launchArgs: [
        ws,
        '--disable-extensions',
        ...(suite === 'restricted' ? [] : ['--disable-workspace-trust']),
      ],
    });
  } catch (e) {
    console.error(`${suite}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (existsSync(resultFile)) {
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    passed += r.passes;
    failed += r.failures;
    skipped += r.skipped ?? 0;
  } else failed += 1;
}
console.log(`vscode-electron: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
