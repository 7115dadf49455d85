/**
 * `robust-features bench [--json] [--backends wasm,cpu] [--batch 128] [--seconds 2] [--rounds 3]`
 * Times the workloads per backend, each backend in its own process (tfjs keeps one backend per
 * process cleanly), and PyTorch's CPU build on the same model when /usr/bin/python3 has torch.
 * The sides alternate in rounds (ours then PyTorch, then PyTorch then ours, …): this machine's
 * speed drifts by up to a third within minutes, so timing one side after the other compares two
 * different machines. Each side's figure is the median of its steps pooled over all rounds, and
 * every round's own ratio is kept in the --out file to show the spread. Never asserts on time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, startBackend, num } from '../args';
import { WARM_UP, WORKLOAD_DEFINITIONS, WORKLOADS, medianOf, timeWorkload, type WorkloadTiming } from '../../engine/bench/workloads';
import { backendLabel } from '../../engine/provenance';
import { BACKEND_LADDER } from '../../engine/backend/ladder';
import { writeJsonAtomic } from '../../engine/models/checkpoint';

const HELP = `robust-features bench [--json [--out FILE]] [--backends LIST] [--batch 128] [--seconds 2] [--rounds 3] [--torch-threads 2]
  Times a training step, a PGD step, a representation-inversion step and an adversarial-training step
  (PGD-7 + training step) of the cnn (batch 128, 28×28×1)
  on each available backend (default: every available rung but the pure-JS cpu one, which takes
  minutes a step; add it with --backends wasm,cpu), and the same in PyTorch where installed.
  --rounds   rounds of every side, alternating which goes first (default 3); each workload runs
             --seconds per side and round; a side's figure is the median of all its steps
  --json     prints the rows as one JSON array and writes the whole run (rows, ms per step, each
             round's ratios, peak memory of each backend's process, the machine) to --out FILE
             (default runs/bench.json)`;

/** One row of `bench --json`: exactly these keys (issue 2). */
interface Row {
  workload: string;
  backend: string;
  batch: number;
  imagesPerSec: number;
  torchImagesPerSec: number | null;
  ratio: number | null;
}

type OurTiming = WorkloadTiming & { backend: string; peakRssMiB: number };
type TorchRun = { torch: string; threads: number; rows: { workload: string; msPerStep: number; stepMs: number[] }[] };
/** One side's timings in one round: workload → step times (ms). */
type SideRound = Map<string, number[]>;

export async function runBench(argv: string[]): Promise<void> {
  const o = parse(argv, { backends: { type: 'string' }, batch: { type: 'string', default: '128' }, seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' }, 'torch-threads': { type: 'string', default: '2' }, child: { type: 'boolean', default: false }, out: { type: 'string', default: path.join('runs', 'bench.json') } }, HELP);
  const batch = num(o.batch, 'batch') ?? 128;
  const seconds = num(o.seconds, 'seconds') ?? 2;
  const rounds = Math.max(1, Math.floor(num(o.rounds, 'rounds') ?? 3));
  if (o.child) {
    // One backend, timings as JSON on stdout, for the parent.
    await startBackend(o.backend, true);
    const rows: OurTiming[] = [];
    for (const w of WORKLOADS) rows.push({ ...(await timeWorkload(w, batch, seconds)), backend: backendLabel(), peakRssMiB: round(process.resourceUsage().maxRSS / 1024) });
    console.log(JSON.stringify(rows));
    return;
  }
  let rungs = o.backends ? o.backends.split(',') : BACKEND_LADDER.filter((b) => b !== 'cpu');
  let torchAvailable = true;
  let torchInfo: { torch: string; threads: number } | undefined;
  // rung → per round; 'torch' likewise.
  const ours = new Map<string, { label: string; peakRssMiB: number; rounds: { k: number; steps: SideRound }[] }>();
  const torchRounds: SideRound[] = [];
  const oursFor = (rung: string, k: number) => {
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, 'bench', '--child', '--backend', rung, '--batch', String(batch), '--seconds', String(seconds)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) {
      if (!o.json) console.error(`  ${rung}: not available (${(r.stderr.trim().split('\n').at(-1) ?? '').replace(/^robust-features: /, '')})`);
      rungs = rungs.filter((x) => x !== rung);
      return;
    }
    const timings = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as OurTiming[];
    const entry = ours.get(rung) ?? { label: timings[0]?.backend ?? rung, peakRssMiB: 0, rounds: [] };
    entry.peakRssMiB = Math.max(entry.peakRssMiB, ...timings.map((t) => t.peakRssMiB));
    entry.rounds.push({ k, steps: new Map(timings.map((t) => [t.workload, t.stepMs])) });
    ours.set(rung, entry);
  };
  const torchSide = () => {
    if (!torchAvailable) return;
    const t = runTorch(batch, seconds, Number(o['torch-threads']), o.json);
    if (!t) return void (torchAvailable = false);
    torchInfo = { torch: t.torch, threads: t.threads };
    torchRounds.push(new Map(t.rows.map((x) => [x.workload, x.stepMs])));
  };
  for (let k = 0; k < rounds; k++) {
    const oursSide = () => {
      for (const rung of [...rungs]) {
        if (!o.json) console.error(`round ${k + 1}/${rounds}: timing ${rung} …`);
        oursFor(rung, k);
      }
    };
    // Alternate which side goes first, so a steady drift of the machine's speed favours neither.
    if (k % 2 === 0) {
      oursSide();
      torchSide();
    } else {
      torchSide();
      oursSide();
    }
  }
  const pooledMs = (side: SideRound[], w: string) => medianOf(side.flatMap((r) => r.get(w) ?? []));
  const rate = (ms: number) => (batch / ms) * 1000;
  const hasTorch = torchRounds.length === rounds;
  const rows: Row[] = [];
  const msPerStep: { workload: string; backend: string; msPerStep: number; steps: number }[] = [];
  const perRound: { round: number; first: string; backend: string; ratio: Record<string, number> }[] = [];
  for (const [rung, entry] of ours) {
    for (const w of WORKLOADS) {
      const ms = pooledMs(entry.rounds.map((r) => r.steps), w);
      const tms = hasTorch ? pooledMs(torchRounds, w) : undefined;
      rows.push({ workload: w, backend: entry.label, batch, imagesPerSec: round(rate(ms)), torchImagesPerSec: tms === undefined ? null : round(rate(tms)), ratio: tms === undefined ? null : round(tms / ms, 3) });
      msPerStep.push({ workload: w, backend: rung, msPerStep: round(ms), steps: entry.rounds.reduce((n, r) => n + (r.steps.get(w)?.length ?? 0), 0) });
    }
    if (hasTorch) for (const { k, steps } of entry.rounds) perRound.push({ round: k + 1, first: k % 2 === 0 ? 'ours' : 'torch', backend: rung, ratio: Object.fromEntries(WORKLOADS.map((w) => [w, round(medianOf(torchRounds[k]!.get(w)!) / medianOf(steps.get(w)!), 3)])) });
  }
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: round(os.totalmem() / 2 ** 30), node: process.version, torch: torchInfo && hasTorch ? `${torchInfo.torch} (${torchInfo.threads} threads)` : 'not found' };
  const peakRssMiB = Object.fromEntries([...ours].map(([rung, e]) => [rung, e.peakRssMiB]));
  if (o.json) {
    console.log(JSON.stringify(rows));
    const statistic = `median ms per step of each side, its steps pooled over ${rounds} alternating round(s) (each round: every workload for ${seconds} s and at least 5 steps, after a warm-up of ≥ ${WARM_UP.steps} steps and ≥ ${WARM_UP.seconds} s, in a fresh process); ratio = PyTorch ms / ours ms; perRound has each round's own ratios`;
    const run = { createdAt: new Date().toISOString(), batch, secondsPerWorkload: seconds, rounds, statistic, workloads: WORKLOAD_DEFINITIONS, rows, msPerStep, perRound, peakRssMiB, machine, loadAverage: os.loadavg().map((x: number) => round(x, 2)) };
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeJsonAtomic(o.out, run);
    console.error(`bench: wrote ${o.out}`);
    return;
  }
  console.log(`\nmachine: ${machine.cores} cores, ${machine.cpu}, node ${machine.node}, PyTorch ${machine.torch}; ${rounds} alternating round(s) of ${seconds} s a workload`);
  console.log(`\n${'workload'.padEnd(8)} ${'backend'.padEnd(20)} ${'ms/step'.padStart(9)} ${'img/s'.padStart(8)} ${'torch img/s'.padStart(12)} ${'ours/torch'.padStart(10)} ${'per round'.padStart(18)}`);
  for (const [i, r] of rows.entries()) {
    const spread = perRound.filter((p) => p.backend === msPerStep[i]?.backend).map((p) => p.ratio[r.workload]!.toFixed(2)).join(' ');
    console.log(`${r.workload.padEnd(8)} ${r.backend.slice(0, 20).padEnd(20)} ${(msPerStep[i]?.msPerStep ?? 0).toFixed(1).padStart(9)} ${r.imagesPerSec.toFixed(0).padStart(8)} ${(r.torchImagesPerSec?.toFixed(0) ?? '—').padStart(12)} ${(r.ratio?.toFixed(2) ?? '—').padStart(10)} ${spread.padStart(18)}`);
  }
  if (rows[0]) console.log(`\nbackend detail: ${rows[0].backend}`);
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function runTorch(batch: number, seconds: number, threads: number, quiet: boolean): TorchRun | undefined {
  const script = [path.join(__dirname, '..', 'bench', 'torch_bench.py'), path.join(process.cwd(), 'bench', 'torch_bench.py')].find((p) => fs.existsSync(p));
  if (!script || !fs.existsSync('/usr/bin/python3')) return undefined;
  if (!quiet) console.error('timing PyTorch …');
  const r = spawnSync('/usr/bin/python3', [script, '--batch', String(batch), '--seconds', String(seconds), '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  if (r.status !== 0) {
    if (!quiet) console.error(`  PyTorch: not available (${r.stderr.trim().split('\n').at(-1) ?? ''}); install Debian's python3-torch to compare`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as TorchRun;
}
