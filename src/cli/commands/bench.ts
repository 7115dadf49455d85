/**
 * `robust-features bench [--json] [--backends wasm,cpu] [--batch 128] [--seconds 4]`
 * Times the three workloads per backend, each backend in its own process (tfjs keeps one backend
 * per process cleanly), and PyTorch's CPU build on the same model when /usr/bin/python3 has torch.
 * Prints ratios ours/PyTorch from the same run. Never asserts on time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, startBackend, num } from '../args';
import { WORKLOAD_DEFINITIONS, WORKLOADS, timeWorkload, type WorkloadTiming } from '../../engine/bench/workloads';
import { backendLabel } from '../../engine/provenance';
import { BACKEND_LADDER } from '../../engine/backend/ladder';
import { writeJsonAtomic } from '../../engine/models/checkpoint';

const HELP = `robust-features bench [--json [--out FILE]] [--backends LIST] [--batch 128] [--seconds 4] [--torch-threads 2]
  Times a training step, a PGD step, a representation-inversion step and an adversarial-training step
  (PGD-7 + training step) of the cnn (batch 128, 28×28×1)
  on each available backend (default: every available rung but the pure-JS cpu one, which takes
  minutes a step; add it with --backends wasm,cpu), and the same in PyTorch where installed.
  --json   prints the rows as one JSON array and writes the whole run (rows, ms per step, peak
           memory of each backend's process, the machine) to --out FILE (default runs/bench.json)`;

/** One row of `bench --json`: exactly these keys (issue 2). */
interface Row {
  workload: string;
  backend: string;
  batch: number;
  imagesPerSec: number;
  torchImagesPerSec: number | null;
  ratio: number | null;
}

export async function runBench(argv: string[]): Promise<void> {
  const o = parse(argv, { backends: { type: 'string' }, batch: { type: 'string', default: '128' }, seconds: { type: 'string', default: '4' }, 'torch-threads': { type: 'string', default: '2' }, child: { type: 'boolean', default: false }, out: { type: 'string', default: path.join('runs', 'bench.json') } }, HELP);
  const batch = num(o.batch, 'batch') ?? 128;
  const seconds = num(o.seconds, 'seconds') ?? 4;
  if (o.child) {
    // One backend, timings as JSON on stdout, for the parent.
    await startBackend(o.backend, true);
    const rows: (WorkloadTiming & { backend: string; peakRssMiB: number })[] = [];
    for (const w of WORKLOADS) rows.push({ ...(await timeWorkload(w, batch, seconds)), backend: backendLabel(), peakRssMiB: round(process.resourceUsage().maxRSS / 1024) });
    console.log(JSON.stringify(rows));
    return;
  }
  const wanted = o.backends ? o.backends.split(',') : BACKEND_LADDER.filter((b) => b !== 'cpu');
  const ours: (WorkloadTiming & { backend: string; rung: string; peakRssMiB: number })[] = [];
  for (const rung of wanted) {
    if (!o.json) console.error(`timing ${rung} …`);
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, 'bench', '--child', '--backend', rung, '--batch', String(batch), '--seconds', String(seconds)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      if (!o.json) console.error(`  ${rung}: not available (${(r.stderr.trim().split('\n').at(-1) ?? '').replace(/^robust-features: /, '')})`);
      continue;
    }
    for (const row of JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as (WorkloadTiming & { backend: string; peakRssMiB: number })[]) ours.push({ ...row, rung });
  }
  const torch = runTorch(batch, seconds, Number(o['torch-threads']), o.json);
  const rows: Row[] = ours.map((r) => {
    const t = torch?.rows.find((x) => x.workload === r.workload);
    return { workload: r.workload, backend: r.backend, batch, imagesPerSec: round(r.imagesPerSec), torchImagesPerSec: t ? round(t.imagesPerSec) : null, ratio: t ? round(r.imagesPerSec / t.imagesPerSec, 3) : null };
  });
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: round(os.totalmem() / 2 ** 30), node: process.version, torch: torch ? `${torch.torch} (${torch.threads} threads)` : 'not found' };
  // Each backend ran in its own process: its peak is the largest after its last workload.
  const peakRssMiB: Record<string, number> = {};
  for (const r of ours) peakRssMiB[r.rung] = Math.max(peakRssMiB[r.rung] ?? 0, r.peakRssMiB);
  if (o.json) {
    console.log(JSON.stringify(rows));
    const run = { createdAt: new Date().toISOString(), batch, secondsPerWorkload: seconds, statistic: 'median ms per step after 2 warm-up steps, over at least 5 steps and the seconds per workload', workloads: WORKLOAD_DEFINITIONS, rows, msPerStep: ours.map((r) => ({ workload: r.workload, backend: r.rung, msPerStep: round(r.msPerStep), steps: r.steps })), peakRssMiB, machine, loadAverage: os.loadavg().map((x: number) => round(x, 2)) };
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeJsonAtomic(o.out, run);
    console.error(`bench: wrote ${o.out}`);
    return;
  }
  console.log(`\nmachine: ${machine.cores} cores, ${machine.cpu}, node ${machine.node}, PyTorch ${machine.torch}`);
  console.log(`\n${'workload'.padEnd(8)} ${'backend'.padEnd(20)} ${'ms/step'.padStart(9)} ${'img/s'.padStart(8)} ${'torch img/s'.padStart(12)} ${'ours/torch'.padStart(10)}`);
  for (const [i, r] of rows.entries()) console.log(`${r.workload.padEnd(8)} ${r.backend.slice(0, 20).padEnd(20)} ${(ours[i]?.msPerStep ?? 0).toFixed(1).padStart(9)} ${r.imagesPerSec.toFixed(0).padStart(8)} ${(r.torchImagesPerSec?.toFixed(0) ?? '—').padStart(12)} ${(r.ratio?.toFixed(2) ?? '—').padStart(10)}`);
  if (ours[0]) console.log(`\nbackend detail: ${ours[0].backend}`);
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function runTorch(batch: number, seconds: number, threads: number, quiet: boolean): { torch: string; threads: number; rows: { workload: string; imagesPerSec: number }[] } | undefined {
  const script = [path.join(__dirname, '..', 'bench', 'torch_bench.py'), path.join(process.cwd(), 'bench', 'torch_bench.py')].find((p) => fs.existsSync(p));
  if (!script || !fs.existsSync('/usr/bin/python3')) return undefined;
  if (!quiet) console.error('timing PyTorch …');
  const r = spawnSync('/usr/bin/python3', [script, '--batch', String(batch), '--seconds', String(seconds), '--threads', String(threads)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) {
    if (!quiet) console.error(`  PyTorch: not available (${r.stderr.trim().split('\n').at(-1) ?? ''}); install Debian's python3-torch to compare`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { torch: string; threads: number; rows: { workload: string; imagesPerSec: number }[] };
}
