// Bundles the real-VS-Code suites (test/vscode/suite/*.ts) into one .js per file, the form the
// extension host's mocha loads. `vscode` is provided by the host; mocha is required at run time
// from .vscode-ci/tools (RFL_MOCHA_PATH). Usage: node scripts/vscode/build-tests.mjs OUTDIR
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? '.vscode-ci/dist-test';
const dir = 'test/vscode/suite';
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f)),
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`built vscode suites → ${out}`);
