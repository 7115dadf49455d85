// npm run package: the installable VSIX (dist/ bundles, the wasm binaries, tfjs's Node entry points
// from node_modules per .vscodeignore) and its size. Plain `vsce package`: --no-dependencies would
// drop the tfjs packages the worker requires at run time.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--out', out], {
  stdio: 'inherit',
});
const bytes = statSync(out).size;
const list = execFileSync('unzip', ['-l', out], { encoding: 'utf8' });
const wasm = list
  .split('\n')
  .filter((l) => l.endsWith('.wasm'))
  .map((l) => l.trim().split(/\s+/).at(-1));
console.log(
  `${out}: ${(bytes / 2 ** 20).toFixed(2)} MiB (${bytes} bytes); wasm binaries: ${wasm.join(', ') || 'NONE'}`,
);
if (!wasm.some((w) => w.endsWith('tfjs-backend-wasm-simd.wasm'))) {
  console.error('the VSIX lacks the wasm binaries the worker needs');
  process.exit(1);
}
