/**
 * `robust-features run EXP.rfl.json`: an experiment file's steps, headless. The file is read by
 * the extension's parser and schema (shared/experiment.ts), each step becomes its job through the
 * resolution the extension's runner uses (engine/formats/experimentJobs.ts), and the job runs through
 * the worker's own operation (worker/operations.ts): the same files as from VS Code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { terminalProgress } from '../progress';
import { checkExperimentFile, type Experiment } from '../../shared/experiment';
import type { JobRequest, JobResult } from '../../shared/workerProtocol';
import {
  experimentJob,
  findStep,
  stepLabel,
  type ExperimentContext,
  type ExperimentJob,
} from '../../engine/formats/experimentJobs';
import { runOperation } from '../../worker/operations';
import { buildConstructed } from '../../engine/construct/build';
import { mergeShards } from '../../engine/construct/merge';
import { parseShard, type Shard } from '../../engine/construct/config';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import type { JobContext, ProgressEvent } from '../../engine/types';

export const runVerb = {
  name: 'run',
  summary: 'run an experiment file (*.rfl.json) headless: all its steps in order, or one',
  description: [
    "Reads the file with the extension's parser and schema and writes the same folders as its Run",
    'Experiment: <runs-folder>/<name>/<out> (or the file\'s "output"). Steps run in order and the',
    'first failure stops the run. A finished step is skipped or resumed as the extension does',
    '(construct and reproduce resume; train starts over unless its snapshot is complete).',
    '--shard i/n (with --step on a construct step) builds one shard into <out>.shard-i-of-n;',
    'once all n are built, --merge-shards n joins them into <out>.',
  ].join('\n'),
  options: {
    step: {
      kind: 'string',
      arg: 'ID',
      defaultText: 'every step, in order',
      help: "the step to run: its number (1 = the first) or its 'out' name",
    },
    'dry-run': {
      kind: 'boolean',
      help: 'check the file and print each job (folder and settings) without running it',
    },
    progress: {
      kind: 'string',
      choices: ['bar', 'json', 'none'],
      default: 'bar',
      help: 'bar: a progress bar on a terminal; json: one JSON line per progress event, step start/end and log line on stdout (for log collectors)',
    },
    workspace: {
      kind: 'string',
      arg: 'DIR',
      defaultText: 'the current folder',
      help: 'the folder a relative "output" resolves in (the extension: the workspace folder)',
    },
    'runs-folder': {
      kind: 'string',
      arg: 'DIR',
      defaultText: '<workspace>/runs',
      help: 'where <name>/ goes when the file sets no "output" (robustFeatures.runsFolder)',
    },
    data: {
      kind: 'string',
      arg: 'SPEC',
      default: 'fashion-mnist',
      help: 'the dataset when the file names none (robustFeatures.dataPath)',
    },
    pool: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '$RFL_POOL_SIZE, else one per core',
      help: 'cores for construct, reproduce and transfer steps; the same results for any N',
    },
    shard: {
      kind: 'string',
      arg: 'i/n',
      help: 'with --step on a construct step: build only chunks k ≡ i (mod n)',
    },
    'merge-shards': {
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'with --step on a construct step: join its N shard folders into its folder',
    },
  },
  positionals: { arg: 'EXP.rfl.json', min: 1 },
} as const satisfies VerbSpec;

type Emit = (event: Record<string, unknown>) => void;

export async function runRun(argv: string[]): Promise<void> {
  const o = parseVerb(runVerb, argv);
  if (o._.length !== 1) throw new UsageError(`expected one experiment file, got ${o._.length}`);
  const file = path.resolve(o._[0] as string);
  const checked = checkExperimentFile(file);
  if (!checked.experiment) throw new Error(checked.errors.join('\n'));
  const x = checked.experiment;
  const workspaceDir = path.resolve(o.workspace ?? process.cwd());
  const ctx: ExperimentContext = {
    fileDir: path.dirname(file),
    workspaceDir,
    runsFolder: path.resolve(o['runs-folder'] ?? path.join(workspaceDir, 'runs')),
    defaultData: o.data,
  };
  const indices = selectSteps(x, o.step);
  const shard = shardOption(o.shard);
  if ((shard || o['merge-shards'] !== undefined) && !isOneConstruct(x, indices))
    throw new UsageError('--shard and --merge-shards need --step naming one construct step');
  // Resolve every selected step before running any: a bad theory config fails the whole run.
  const jobs = indices.map((i) => ({ index: i, job: experimentJob(x, i, ctx) }));
  const jsonLines = o.progress === 'json';
  const emit: Emit = (e) => (jsonLines ? console.log(JSON.stringify(e)) : undefined);
  if (o['dry-run']) return dryRun(x, jobs, o.json);

  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json || jsonLines, { threads: wasmThreadsForPool(pool) });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const results: { step: number; type: string; outDir: string; result: JobResult['value'] }[] = [];
  try {
    for (const { index, job } of jobs) {
      const step = x.steps[index];
      const tag = { step: index + 1, type: step?.type, name: job.name };
      emit({ event: 'step', state: 'started', ...tag, outDir: job.outDir });
      const bar = terminalProgress(o.json || o.progress !== 'bar', job.name);
      const jobCtx: JobContext = {
        signal: abort.signal,
        onProgress: (e: ProgressEvent) => {
          bar.onProgress(e);
          emit({ event: 'progress', ...tag, ...e });
        },
        log: (line) => {
          if (jsonLines) emit({ event: 'log', ...tag, line });
          else bar.log(line);
        },
      };
      if (!jsonLines && !o.json) console.error(`▶ ${job.name} → ${job.outDir}`);
      try {
        const value = await runJob(job, jobCtx, { pool, shard, merge: o['merge-shards'] });
        bar.stop();
        results.push({
          step: index + 1,
          type: step?.type ?? '',
          outDir: job.outDir,
          result: value,
        });
        emit({ event: 'step', state: 'succeeded', ...tag, outDir: job.outDir });
      } catch (e) {
        bar.stop();
        const message = e instanceof Error ? e.message : String(e);
        emit({
          event: 'step',
          state: abort.signal.aborted ? 'cancelled' : 'failed',
          ...tag,
          message,
        });
        throw new Error(
          `${path.basename(file)}: step ${index + 1} (${job.name}) failed: ${message}`,
        );
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (o.json) console.log(JSON.stringify({ experiment: x.name, steps: results }));
  else if (!jsonLines)
    for (const r of results) console.log(`✓ step ${r.step} (${r.type}): ${r.outDir}`);
}

function selectSteps(x: Experiment, id: string | undefined): number[] {
  if (id === undefined) return x.steps.map((_s, i) => i);
  const i = findStep(x, id);
  if (i === undefined)
    throw new UsageError(
      `--step ${id}: no such step; the experiment's steps are ${x.steps.map((s, k) => `${k + 1} (${stepLabel(s)})`).join(', ')}`,
    );
  return [i];
}

function shardOption(s: string | undefined): Shard | undefined {
  if (s === undefined) return undefined;
  try {
    return parseShard(s);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

const isOneConstruct = (x: Experiment, indices: number[]): boolean =>
  indices.length === 1 && x.steps[indices[0] as number]?.type === 'construct';

export const shardDir = (outDir: string, s: Shard): string =>
  `${outDir}.shard-${s.index}-of-${s.count}`;

async function runJob(
  job: ExperimentJob,
  ctx: JobContext,
  o: { pool: number; shard?: Shard; merge?: number },
): Promise<JobResult['value']> {
  const req: JobRequest = job.request;
  if (req.kind === 'construct') {
    const { config, outDir } = req.params;
    if (o.merge !== undefined) {
      const n = o.merge;
      const dirs = Array.from({ length: n }, (_v, i) => shardDir(outDir, { index: i, count: n }));
      for (const d of dirs)
        if (!fs.existsSync(d)) throw new Error(`${d}: missing; build shard ${d.slice(-6)} first`);
      return mergeShards(dirs, outDir, { log: ctx.log });
    }
    // The worker's construct operation, with the CLI's cores and shard.
    const dir = o.shard ? shardDir(outDir, o.shard) : outDir;
    return buildConstructed(config, dir, { ...ctx, shard: o.shard, poolSize: o.pool });
  }
  if (req.kind === 'transfer') req.params.poolSize = o.pool;
  return (await runOperation(req, ctx)).value;
}

function dryRun(x: Experiment, jobs: { index: number; job: ExperimentJob }[], json: boolean): void {
  if (json) {
    const rows = jobs.map(({ index, job }) => ({ step: index + 1, ...job }));
    return void console.log(JSON.stringify({ experiment: x.name, steps: rows }, null, 2));
  }
  for (const { index, job } of jobs) {
    console.log(`step ${index + 1}: ${job.name}\n  writes ${job.outDir}`);
    console.log(`  ${job.request.kind} ${JSON.stringify(job.request.params)}`);
  }
}
