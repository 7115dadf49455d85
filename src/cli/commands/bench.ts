/**
 * `robust-features bench [--json] [--backends wasm,cpu] [--batch 128] [--seconds 1.5] [--rounds 4]`
 * Times the workloads per backend, each backend in its own process (tfjs keeps one backend per
 * process cleanly), and PyTorch's CPU build on the same model when /usr/bin/python3 has torch.
 * All sides stay up and take turns, workload by workload, in short windows (ours then PyTorch,
 * then PyTorch then ours, …): this machine's speed drifts by up to a third within minutes, so
 * timing one side after the other compares two different machines. A side's figure is the
 * median of its steps pooled over its windows; each round's own ratio goes into the --out file
 * to show the spread. Never asserts on time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parse, startBackend, num } from '../args';
import {
  WARM_UP,
  WORKLOAD_DEFINITIONS,
  WORKLOADS,
  WorkloadTimer,
  medianOf,
  type Workload,
} from '../../engine/bench/workloads';
import { backendLabel } from '../../engine/provenance';
import { BACKEND_LADDER } from '../../engine/backend/ladder';
import { writeJsonAtomic } from '../../engine/models/checkpoint';

const HELP = `robust-features bench [--json [--out FILE]] [--backends LIST] [--batch 128] [--seconds 1.5] [--rounds 4] [--torch-threads 2]
  Times a training step, a PGD step, a representation-inversion step and an adversarial-training step
  (PGD-7 + training step) of the cnn (batch 128, 28×28×1)
  on each available backend (default: every available rung but the pure-JS cpu one, which takes
  minutes a step; add it with --backends wasm,cpu), and the same in PyTorch where installed.
  --rounds   windows per workload and side, the sides taking turns and alternating which goes
             first (default 4); a window is --seconds long and at least 2 steps; a side's figure
             is the median of all its steps
  --json     prints the rows as one JSON array and writes the whole run (rows, ms per step, each
             round's ratios, peak memory of each backend's process, the machine) to --out FILE
             (default runs/bench.json)`;

/** Steps a window takes at least (the adversarial-training step takes about a second). */
const MIN_STEPS = 2;

/** One row of `bench --json`: exactly these keys (issue 2). */
interface Row {
  workload: string;
  backend: string;
  batch: number;
  imagesPerSec: number;
  torchImagesPerSec: number | null;
  ratio: number | null;
}

interface WindowRequest {
  workload: Workload;
  seconds: number;
  minSteps: number;
}

/** A side (one of our backends, or PyTorch) as a process answering window requests line by line. */
class Side {
  private readonly lines: AsyncIterator<string>;
  readonly hello: Record<string, unknown>;
  /** Step times per workload, one list per window, in round order. */
  readonly windows = new Map<string, number[][]>();
  private constructor(
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    lines: AsyncIterator<string>,
    hello: Record<string, unknown>,
  ) {
    this.lines = lines;
    this.hello = hello;
  }

  /** Starts the process and waits for its first line (what it is); undefined if it fails. */
  static async start(
    name: string,
    command: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<Side | { failed: string }> {
    const child = spawn(command, args, { env: env ?? process.env });
    // Listen before anything can end: its stderr is complete only once it has closed.
    const closed = new Promise((r) => child.once('close', r));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) {
      await closed;
      return {
        failed:
          stderr
            .trim()
            .split('\n')
            .at(-1)
            ?.replace(/^robust-features: /, '') ?? 'exited',
      };
    }
    return new Side(name, child, lines, JSON.parse(first.value) as Record<string, unknown>);
  }

  async window(req: WindowRequest): Promise<void> {
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`bench: ${this.name} exited during the ${req.workload} window`);
    const { stepMs } = JSON.parse(line.value) as { stepMs: number[] };
    this.windows.set(req.workload, [...(this.windows.get(req.workload) ?? []), stepMs]);
  }

  /** Closes stdin and returns the process's last line (ours report their peak memory there). */
  async close(): Promise<Record<string, unknown>> {
    this.child.stdin.end();
    let last: Record<string, unknown> = {};
    for (let l = await this.lines.next(); !l.done; l = await this.lines.next())
      last = JSON.parse(l.value) as Record<string, unknown>;
    return last;
  }
}

/** The --child side: a backend answering window requests on stdin (see Side). */
async function serveChild(backend: string, batch: number): Promise<void> {
  await startBackend(backend, true);
  console.log(JSON.stringify({ backend: backendLabel() }));
  const timers = new Map<Workload, WorkloadTimer>();
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const req = JSON.parse(line) as WindowRequest;
    const timer = timers.get(req.workload) ?? new WorkloadTimer(req.workload, batch);
    timers.set(req.workload, timer);
    console.log(
      JSON.stringify({
        workload: req.workload,
        stepMs: await timer.window(req.seconds, req.minSteps),
      }),
    );
  }
  for (const t of timers.values()) t.dispose();
  console.log(JSON.stringify({ peakRssMiB: round(process.resourceUsage().maxRSS / 1024) }));
}

export async function runBench(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      backends: { type: 'string' },
      batch: { type: 'string', default: '128' },
      seconds: { type: 'string', default: '1.5' },
      rounds: { type: 'string', default: '4' },
      'torch-threads': { type: 'string', default: '2' },
      child: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join('runs', 'bench.json') },
    },
    HELP,
  );
  const batch = num(o.batch, 'batch') ?? 128;
  const seconds = num(o.seconds, 'seconds') ?? 1.5;
  const rounds = Math.max(1, Math.floor(num(o.rounds, 'rounds') ?? 4));
  if (o.child) return serveChild(o.backend, batch);
  const log = (msg: string) => (o.json ? undefined : console.error(msg));
  const rungs = o.backends ? o.backends.split(',') : BACKEND_LADDER.filter((b) => b !== 'cpu');
  const ours: Side[] = [];
  for (const rung of rungs) {
    log(`starting ${rung} …`);
    const s = await Side.start(rung, process.execPath, [
      ...process.execArgv,
      process.argv[1] as string,
      'bench',
      '--child',
      '--backend',
      rung,
      '--batch',
      String(batch),
    ]);
    if ('failed' in s) log(`  ${rung}: not available (${s.failed})`);
    else ours.push(s);
  }
  const torch = await startTorch(batch, Number(o['torch-threads']), log);
  const sides = [...ours, ...(torch ? [torch] : [])];
  for (const workload of WORKLOADS) {
    for (let k = 0; k < rounds; k++) {
      log(`${workload}: round ${k + 1}/${rounds}`);
      // Alternate which side goes first, so a steady drift of the machine's speed favours neither.
      for (const side of k % 2 === 0 ? sides : [...sides].reverse())
        await side.window({ workload, seconds, minSteps: MIN_STEPS });
    }
  }
  const peakRssMiB: Record<string, number> = {};
  for (const s of ours) peakRssMiB[s.name] = (await s.close()).peakRssMiB as number;
  if (torch) await torch.close();

  const pooledMs = (side: Side, w: string) => medianOf(side.windows.get(w)!.flat());
  const rate = (ms: number) => (batch / ms) * 1000;
  const rows: Row[] = [];
  const msPerStep: {
    workload: string;
    backend: string;
    msPerStep: number;
    steps: number;
    torchMsPerStep: number | null;
    torchSteps: number | null;
  }[] = [];
  const perRound: {
    round: number;
    first: string;
    backend: string;
    ratio: Record<string, number>;
  }[] = [];
  for (const side of ours) {
    for (const w of WORKLOADS) {
      const ms = pooledMs(side, w);
      const tms = torch ? pooledMs(torch, w) : undefined;
      rows.push({
        workload: w,
        backend: String(side.hello.backend),
        batch,
        imagesPerSec: round(rate(ms)),
        torchImagesPerSec: tms === undefined ? null : round(rate(tms)),
        ratio: tms === undefined ? null : round(tms / ms, 3),
      });
      msPerStep.push({
        workload: w,
        backend: side.name,
        msPerStep: round(ms),
        steps: side.windows.get(w)!.flat().length,
        torchMsPerStep: tms === undefined ? null : round(tms),
        torchSteps: torch ? torch.windows.get(w)!.flat().length : null,
      });
    }
    if (torch) {
      for (let k = 0; k < rounds; k++) {
        const ratio = Object.fromEntries(
          WORKLOADS.map((w) => [
            w,
            round(medianOf(torch.windows.get(w)![k]!) / medianOf(side.windows.get(w)![k]!), 3),
          ]),
        );
        perRound.push({
          round: k + 1,
          first: k % 2 === 0 ? 'ours' : 'torch',
          backend: side.name,
          ratio,
        });
      }
    }
  }
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    torch: torch
      ? `${String(torch.hello.torch)} (${String(torch.hello.threads)} threads)`
      : 'not found',
  };
  if (o.json) {
    console.log(JSON.stringify(rows));
    const statistic = `median ms per step of each side, its steps pooled over ${rounds} window(s) per workload; the sides stay up and take turns window by window (${seconds} s and at least ${MIN_STEPS} steps each), alternating which goes first, after a warm-up of ≥ ${WARM_UP.steps} steps and ≥ ${WARM_UP.seconds} s per workload; ratio = PyTorch ms / ours ms; perRound has each round's own ratios`;
    const run = {
      createdAt: new Date().toISOString(),
      batch,
      secondsPerWindow: seconds,
      rounds,
      statistic,
      workloads: WORKLOAD_DEFINITIONS,
      rows,
      msPerStep,
      perRound,
      peakRssMiB,
      machine,
      loadAverage: os.loadavg().map((x: number) => round(x, 2)),
    };
    fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
    writeJsonAtomic(o.out, run);
    console.error(`bench: wrote ${o.out}`);
    return;
  }
  console.log(
    `\nmachine: ${machine.cores} cores, ${machine.cpu}, node ${machine.node}, PyTorch ${machine.torch}; ${rounds} alternating windows of ${seconds} s per workload and side`,
  );
  console.log(
    `\n${'workload'.padEnd(8)} ${'backend'.padEnd(20)} ${'ms/step'.padStart(9)} ${'img/s'.padStart(8)} ${'torch img/s'.padStart(12)} ${'ours/torch'.padStart(10)}  per round`,
  );
  for (const [i, r] of rows.entries()) {
    const spread = perRound
      .filter((p) => p.backend === msPerStep[i]?.backend)
      .map((p) => p.ratio[r.workload]!.toFixed(2))
      .join(' ');
    console.log(
      `${r.workload.padEnd(8)} ${r.backend.slice(0, 20).padEnd(20)} ${(msPerStep[i]?.msPerStep ?? 0).toFixed(1).padStart(9)} ${r.imagesPerSec.toFixed(0).padStart(8)} ${(r.torchImagesPerSec?.toFixed(0) ?? '—').padStart(12)} ${(r.ratio?.toFixed(2) ?? '—').padStart(10)}  ${spread}`,
    );
  }
  if (rows[0]) console.log(`\nbackend detail: ${rows[0].backend}`);
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function startTorch(
  batch: number,
  threads: number,
  log: (msg: string) => void,
): Promise<Side | undefined> {
  const script = [
    path.join(__dirname, '..', 'bench', 'torch_bench.py'),
    path.join(process.cwd(), 'bench', 'torch_bench.py'),
  ].find((p) => fs.existsSync(p));
  if (!script || !fs.existsSync('/usr/bin/python3')) return undefined;
  log('starting PyTorch …');
  const s = await Side.start(
    'torch',
    '/usr/bin/python3',
    [script, '--serve', '--batch', String(batch), '--threads', String(threads)],
    { ...process.env, OMP_NUM_THREADS: String(threads) },
  );
  if ('failed' in s) {
    log(`  PyTorch: not available (${s.failed}); install Debian's python3-torch to compare`);
    return undefined;
  }
  return s;
}
