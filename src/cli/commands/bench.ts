/**
 * `robust-features bench [--model LIST|all] [--shape LIST|all] [--json] [--backends wasm,cpu]
 *  [--batch 128] [--seconds S] [--rounds R]`
 * Times the workloads of every cell (a model of the zoo on an input shape) per backend, each backend in its own process (tfjs keeps one backend per
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
import { startBackend } from '../args';
import { parseVerb, type VerbSpec } from '../options';
import {
  BENCH_MODELS,
  WARM_UP,
  WORKLOAD_DEFINITIONS,
  parseWorkloads,
  WorkloadTimer,
  benchCells,
  medianOf,
  type BenchCell,
  type Workload,
} from '../../engine/bench/workloads';
import { backendLabel } from '../../engine/provenance';
import { BACKEND_LADDER } from '../../engine/backend/ladder';
import { writeJsonAtomic } from '../../engine/models/checkpoint';

/** Windows of one cell, and of a matrix (shorter, so that the whole matrix takes minutes). */
const ONE_CELL = { seconds: 1.5, rounds: 4 };
const MATRIX = { seconds: 1, rounds: 2 };

export const benchVerb = {
  name: 'bench',
  summary:
    'images/s of the train, PGD, inversion and adv-train steps of each model × shape vs PyTorch',
  description: [
    'Times a training step, a PGD step, a representation-inversion step and an adversarial-training',
    'step (PGD-7 + training step) of each model on each input shape on each available backend, and',
    'the same in PyTorch where installed (python/rfl_zoo.py: the same architectures). The sides take',
    "turns in windows of --seconds (at least 2 steps each), alternating which goes first; a side's",
    'figure is the median of all its steps. --json prints the rows as one JSON array and writes the',
    "whole run (ms per step, each round's ratios, peak memory per process, the machine) to --out.",
  ].join('\n'),
  options: {
    model: {
      kind: 'string',
      arg: 'LIST|all',
      default: 'all',
      help: `${BENCH_MODELS.join(', ')} (the archs python/rfl_zoo.py mirrors), a comma-separated list of them, or all`,
    },
    shape: {
      kind: 'string',
      arg: 'LIST|all',
      default: 'all',
      help: '28x28x1 (Fashion-MNIST), 32x32x3 (CIFAR-10), any HxWxC, a list, or all; --model cnn --shape 28x28x1 is the reference row',
    },
    backends: {
      kind: 'string',
      arg: 'LIST',
      defaultText: 'every available rung but the pure-JS cpu one, which takes minutes a step',
      help: 'backends to time, comma-separated (e.g. wasm,cpu)',
    },
    batch: { kind: 'int', arg: 'N', min: 1, default: 128, help: 'images per step' },
    seconds: {
      kind: 'number',
      defaultText: `${ONE_CELL.seconds} for one cell, ${MATRIX.seconds} for a matrix`,
      help: 'length of a window',
    },
    rounds: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: `${ONE_CELL.rounds} for one cell, ${MATRIX.rounds} for a matrix`,
      help: 'windows per workload and side',
    },
    workloads: {
      kind: 'string',
      arg: 'default|autoattack|LIST',
      default: 'default',
      help: "default: train, pgd, invert, advtrain; autoattack: apgd-t, fab-t, square (AutoAttack's inner loops); or a comma-separated list",
    },
    'torch-threads': { kind: 'int', arg: 'N', min: 1, default: 2, help: "PyTorch's threads" },
    out: {
      kind: 'string',
      arg: 'FILE',
      default: path.join('runs', 'bench.json'),
      help: 'with --json: where the whole run is written',
    },
    child: { kind: 'boolean', hidden: true, help: 'serve timing windows to a parent bench' },
  },
} as const satisfies VerbSpec;

/** Steps a window takes at least (the adversarial-training step takes about a second). */
const MIN_STEPS = 2;

/** One row of `bench --json`: exactly these keys (issues 2 and 18). */
interface Row {
  model: string;
  shape: string;
  workload: string;
  backend: string;
  batch: number;
  imagesPerSec: number;
  torchImagesPerSec: number | null;
  ratio: number | null;
}

interface WindowRequest extends BenchCell {
  workload: Workload;
  seconds: number;
  minSteps: number;
}

/** Key of a cell's workload in a side's windows. */
const keyOf = (cell: BenchCell, workload: string) => `${cell.model}/${cell.shape}/${workload}`;

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
    if (line.done)
      throw new Error(`bench: ${this.name} exited during the ${keyOf(req, req.workload)} window`);
    const { stepMs } = JSON.parse(line.value) as { stepMs: number[] };
    const key = keyOf(req, req.workload);
    this.windows.set(key, [...(this.windows.get(key) ?? []), stepMs]);
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
  const timers = new Map<string, WorkloadTimer>();
  let cell = '';
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const req = JSON.parse(line) as WindowRequest;
    // Cells come one after the other: free the last cell's models before building the next.
    if (keyOf(req, '') !== cell) {
      for (const t of timers.values()) t.dispose();
      timers.clear();
      cell = keyOf(req, '');
    }
    const timer =
      timers.get(req.workload) ??
      new WorkloadTimer(req.workload, batch, { model: req.model, shape: req.shape });
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
  const o = parseVerb(benchVerb, argv);
  const batch = o.batch;
  if (o.child) return serveChild(o.backend, batch);
  const cells = benchCells(o.model, o.shape);
  const workloads = parseWorkloads(o.workloads);
  const windows = cells.length === 1 ? ONE_CELL : MATRIX;
  const seconds = o.seconds ?? windows.seconds;
  const rounds = o.rounds ?? windows.rounds;
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
  const torch = await startTorch(batch, o['torch-threads'], log);
  const sides = [...ours, ...(torch ? [torch] : [])];
  for (const cell of cells) {
    for (const workload of workloads) {
      for (let k = 0; k < rounds; k++) {
        log(`${cell.model} ${cell.shape} ${workload}: round ${k + 1}/${rounds}`);
        // Alternate which side goes first, so a steady drift of the machine's speed favours neither.
        for (const side of k % 2 === 0 ? sides : [...sides].reverse())
          await side.window({ ...cell, workload, seconds, minSteps: MIN_STEPS });
      }
    }
  }
  const peakRssMiB: Record<string, number> = {};
  for (const s of ours) peakRssMiB[s.name] = (await s.close()).peakRssMiB as number;
  if (torch) await torch.close();

  const pooledMs = (side: Side, key: string) => medianOf(side.windows.get(key)!.flat());
  const rate = (ms: number) => (batch / ms) * 1000;
  const rows: Row[] = [];
  const msPerStep: {
    model: string;
    shape: string;
    workload: string;
    backend: string;
    msPerStep: number;
    steps: number;
    torchMsPerStep: number | null;
    torchSteps: number | null;
  }[] = [];
  const perRound: {
    model: string;
    shape: string;
    round: number;
    first: string;
    backend: string;
    ratio: Record<string, number>;
  }[] = [];
  for (const side of ours) {
    for (const cell of cells) {
      for (const w of workloads) {
        const key = keyOf(cell, w);
        const ms = pooledMs(side, key);
        const tms = torch ? pooledMs(torch, key) : undefined;
        rows.push({
          ...cell,
          workload: w,
          backend: String(side.hello.backend),
          batch,
          imagesPerSec: round(rate(ms)),
          torchImagesPerSec: tms === undefined ? null : round(rate(tms)),
          ratio: tms === undefined ? null : round(tms / ms, 3),
        });
        msPerStep.push({
          ...cell,
          workload: w,
          backend: side.name,
          msPerStep: round(ms),
          steps: side.windows.get(key)!.flat().length,
          torchMsPerStep: tms === undefined ? null : round(tms),
          torchSteps: torch ? torch.windows.get(key)!.flat().length : null,
        });
      }
      if (torch) {
        for (let k = 0; k < rounds; k++) {
          const ratio = Object.fromEntries(
            workloads.map((w) => {
              const key = keyOf(cell, w);
              const r =
                medianOf(torch.windows.get(key)![k]!) / medianOf(side.windows.get(key)![k]!);
              return [w, round(r, 3)];
            }),
          );
          perRound.push({
            ...cell,
            round: k + 1,
            first: k % 2 === 0 ? 'ours' : 'torch',
            backend: side.name,
            ratio,
          });
        }
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
      workloads: Object.fromEntries(workloads.map((w) => [w, WORKLOAD_DEFINITIONS[w]])),
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
    `\nmachine: ${machine.cores} cores, ${machine.cpu}, node ${machine.node}, PyTorch ${machine.torch}; batch ${batch}; ${rounds} alternating windows of ${seconds} s per workload and side`,
  );
  for (const side of ours)
    printMatrix(String(side.hello.backend), workloads, rows, msPerStep, side.name);
  for (const side of ours) console.log(`\n${side.name}: ${String(side.hello.backend)}`);
}

/**
 * The matrix at a glance: a line per model × shape, a column per workload, each cell
 * "ours/torch (our ms per step)", or our images/s where PyTorch is absent.
 */
function printMatrix(
  backend: string,
  workloads: readonly string[],
  rows: Row[],
  msPerStep: { backend: string; msPerStep: number; torchMsPerStep: number | null }[],
  sideName: string,
): void {
  const mine = rows
    .map((r, i) => ({ r, m: msPerStep[i]! }))
    .filter(({ r, m }) => r.backend === backend && m.backend === sideName);
  const withTorch = mine.some(({ r }) => r.ratio !== null);
  console.log(
    `\n${sideName}: ${withTorch ? 'ours/torch images per second (> 1: ours faster), then ms per step ours | torch' : 'images per second (no PyTorch to compare with)'}`,
  );
  const W = withTorch ? 22 : 10;
  console.log(
    `${'model'.padEnd(8)} ${'shape'.padEnd(9)}${workloads.map((w) => w.padStart(W)).join('')}`,
  );
  const cellKeys = [...new Set(mine.map(({ r }) => `${r.model} ${r.shape}`))];
  for (const key of cellKeys) {
    const [model, shape] = key.split(' ') as [string, string];
    const line = workloads
      .map((w) => {
        const hit = mine.find(
          ({ r }) => r.model === model && r.shape === shape && r.workload === w,
        );
        if (!hit) return '—'.padStart(W);
        const { r, m } = hit;
        if (r.ratio === null) return r.imagesPerSec.toFixed(0).padStart(W);
        return `${r.ratio.toFixed(2)} (${m.msPerStep.toFixed(0)}|${m.torchMsPerStep!.toFixed(0)})`.padStart(
          W,
        );
      })
      .join('');
    console.log(`${model.padEnd(8)} ${shape.padEnd(9)}${line}`);
  }
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
