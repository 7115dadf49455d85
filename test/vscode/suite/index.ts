/**
 * Runs inside the real VS Code extension host (code-server), loaded through
 * `extensionTestsPath`: the same `run()` contract as @vscode/test-electron. Writes a result
 * file the shell script reads for its summary line; RFL_VSCODE_SUITE picks the session:
 * 'main' = every *.test.js but the others' files; 'restricted' = restricted.test.js, which needs
 * a code-server started with workspace trust on; 'panels' = panels*.test.js (the panels tier
 * runs them, once); 'activation' = activation.test.js alone (npm run bench:activation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { timings } from './helpers';

interface MochaRunner {
  stats?: { passes: number; failures: number; pending: number; tests: number };
}
interface MochaInstance {
  addFile(f: string): void;
  run(done: (failures: number) => void): MochaRunner;
}
type MochaCtor = new (opts: object) => MochaInstance;

export function run(): Promise<void> {
  const which = process.env.RFL_VSCODE_SUITE ?? 'main';
  const resultFile =
    process.env.RFL_TEST_RESULT_FILE ?? path.join(__dirname, `results-${which}.json`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require(process.env.RFL_MOCHA_PATH ?? 'mocha') as MochaCtor;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30_000, reporter: 'spec' });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => sessionOf(f) === which || (which === 'activation' && f === 'activation.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passes = runner.stats?.passes ?? 0;
      const skipped = runner.stats?.pending ?? 0;
      fs.writeFileSync(
        resultFile,
        JSON.stringify({ suite: which, passes, failures, skipped, timings: timings() }) + '\n',
      );
      console.log(`${which}: ${passes} passed, ${failures} failed, ${skipped} skipped`);
      if (failures) reject(new Error(`${failures} tests failed`));
      else resolve();
    });
  });
}

/** The session a suite file belongs to: each file runs in exactly one. */
function sessionOf(file: string): 'main' | 'restricted' | 'panels' {
  if (file === 'restricted.test.js') return 'restricted';
  if (file.startsWith('panels')) return 'panels';
  return 'main';
}
