// Checks a packaged VSIX can compute on its own: unpacks it outside the repository (so Node
// cannot fall back to the repo's node_modules), forks the packaged dist/worker.js, and asks it
// for the backend and a tiny training run over the worker protocol. Catches a .vscodeignore or
// bundling change that leaves out something the worker requires at run time.
// Usage: node scripts/vscode/check-vsix.cjs <file.vsix>
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rpc = require('vscode-jsonrpc/node');

const vsix = path.resolve(process.argv[2] ?? '');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-vsix-'));
execFileSync('python3', [
  '-c',
  'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
  vsix,
  dir,
]);
const worker = path.join(dir, 'extension', 'dist', 'worker.js');
const child = fork(worker, [], { execArgv: [], silent: true, cwd: dir });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const conn = rpc.createMessageConnection(
  new rpc.IPCMessageReader(child),
  new rpc.IPCMessageWriter(child),
);
conn.listen();
// A worker that dies (e.g. cannot require tfjs) must fail the check, not leave requests pending.
const died = new Promise((_, reject) =>
  child.on('exit', (code) => reject(new Error(`worker exited with code ${code}`))),
);
const ask = (method, params) => Promise.race([conn.sendRequest(method, params), died]);

(async () => {
  const t0 = Date.now();
  const init = await ask('initialize', { protocolVersion: 1, backend: 'auto', heartbeatMs: 0 });
  console.log(`vsix worker: backend ${init.backend.name} in ${Date.now() - t0} ms`);
  const outDir = path.join(dir, 'ckpt');
  const config = {
    model: 'mlp',
    data: 'fashion-mnist',
    epochs: 1,
    batchSize: 64,
    trainLimit: 512,
    testLimit: 256,
    optimizer: 'adam',
    lr: 1e-3,
    seed: 0,
  };
  const r = await ask('job/train', { jobId: 'vsix-check', config, outDir });
  const files = ['model.json', 'weights.bin', 'manifest.json', 'metrics.json'].filter(
    (f) => !fs.existsSync(path.join(outDir, f)),
  );
  if (init.backend.name !== 'wasm' || files.length)
    throw new Error(`backend ${init.backend.name}, missing ${files.join(', ')}`);
  console.log(
    `vsix worker: trained mlp, accuracy ${r.metrics.standardAcc} in ${Date.now() - t0} ms`,
  );
})()
  .then(
    () => 0,
    (e) => (console.error(`vsix check FAILED: ${e.message}\n${out.slice(-2000)}`), 1),
  )
  .then((code) => {
    child.removeAllListeners('exit');
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  });
