// Bundles: extension host (cjs, vscode external), worker (cjs), CLI (cjs, shebang), webviews (browser iife).
// The wasm binaries are copied beside the bundles so the VSIX and dist/ carry what the wasm rung needs.
// Usage: node esbuild.mjs [--production] [--watch] [--only extension,worker,cli,webview]
import * as esbuild from 'esbuild';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const production = args.includes('--production');
const watch = args.includes('--watch');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : null;

/**
 * Every output is written beside its target and renamed over it, and only when its bytes
 * changed. Tests build dist/cli.js while other test processes run it (node --test runs two
 * files at once), and esbuild's own write truncates the file first: a CLI started in that
 * moment read an empty bundle and exited 0 having done nothing. A rename swaps the whole file.
 */
function writeAtomically(file, bytes) {
  if (existsSync(file) && Buffer.compare(readFileSync(file), bytes) === 0) return;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

const atomicOutput = {
  name: 'atomic-output',
  setup(build) {
    build.onEnd((result) => {
      for (const f of result.outputFiles ?? []) writeAtomically(f.path, f.contents);
    });
  },
};

const common = { write: false, plugins: [atomicOutput] };

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
// tfjs stays in node_modules (shipped in the VSIX): the optional native rungs (tfjs-node, -gpu),
// installed by the user, register their backend on the tfjs-core instance they resolve, so there
// must be exactly one instance, the one in node_modules, never a bundled copy beside it.
// sharp (image resizing for folder: datasets) loads its platform's libvips binary from node_modules.
const optionalNative = ['@tensorflow/*', 'sharp'];
const builds = {
  extension: {
    ...node,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode', 'sharp'],
  },
  worker: {
    ...node,
    entryPoints: ['src/worker/main.ts'],
    outfile: 'dist/worker.js',
    external: optionalNative,
  },
  // Pool threads (src/engine/pool): loaded by the CLI and the worker from their own folder.
  poolThread: {
    ...node,
    entryPoints: ['src/engine/pool/threadEntry.ts'],
    outfile: 'dist/poolThread.js',
    external: optionalNative,
  },
  cli: {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    external: optionalNative,
    banner: { js: '#!/usr/bin/env node' },
  },
  webview: {
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    bundle: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: existsSync('webview')
      ? readdirSync('webview')
          .filter((f) => /^[a-zA-Z]+\.ts$/.test(f) && f !== 'contract.ts')
          .map((f) => join('webview', f))
      : [],
    outdir: 'dist/webview',
  },
};

function copyWasm() {
  const src = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  mkdirSync('dist/wasm', { recursive: true });
  for (const f of readdirSync(src).filter((f) => f.endsWith('.wasm')))
    writeAtomically(join('dist/wasm', f), readFileSync(join(src, f)));
}

// The pool thread goes wherever the CLI or the worker goes.
if (only && (only.includes('cli') || only.includes('worker'))) only.push('poolThread');
const selected = Object.entries(builds).filter(
  ([name, b]) => (!only || only.includes(name)) && existsSync(b.entryPoints[0] ?? ''),
);
copyWasm();
if (watch) {
  for (const [, b] of selected) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(selected.map(([, b]) => esbuild.build(b)));
  console.log(`built ${selected.map(([n]) => n).join(', ')}${production ? ' (production)' : ''}`);
}
