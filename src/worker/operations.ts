/**
 * The engine operations behind each job request, one function per `JobRequest['kind']`.
 * Plain engine calls plus the few file writes the CLI does around them (theory outputs, the
 * merge of robust accuracy into metrics.json), so that a job from VS Code leaves the same files
 * as the same command from the CLI.
 */
import { assertCheckpointFits } from '../engine/models/fits';
import { mergeEvaluationIntoMetrics, mergeIntoMetrics } from '../engine/eval/mergeMetrics';
import type { CheckpointMetrics } from '../engine/train/writeCheckpoint';
import * as path from 'node:path';
import type { JobContext } from '../engine/types';
import { trainModel } from '../engine/train/trainModel';
import { buildConstructed } from '../engine/construct/build';
import { defaultTestData, loadCheckpoint, writeJsonAtomic } from '../engine/models/checkpoint';
import { loadDataset } from '../engine/formats/load';
import { inferenceFn } from '../engine/eval/accuracy';
import { evaluateRobustness } from '../engine/eval/robust';
import { evaluateWithAttack } from '../engine/eval/attackEval';
import { backendLabel } from '../engine/provenance';
import { reproduce } from '../engine/reproduce/pipeline';
import { defaultPoolSize } from '../engine/pool/pool';
import { profileFor } from '../engine/formats/profiles';
import { reproduceSeeds } from '../engine/reproduce/seeds';
import { writeFileAtomic } from '../engine/formats/atomic';
import { defaultTheoryConfig } from '../engine/theory/config';
import { validateTheoryConfig } from '../engine/theory/validate';
import { runTheoryExperiment, type TheoryResult } from '../engine/theory/run';
import { renderTheoryPlots } from '../engine/theory/plots';
import { transfer } from '../engine/transfer/transfer';
import { gradientReport } from '../engine/interpret/report';
import type { EvaluateResult, JobRequest, JobResult } from '../shared/workerProtocol';

export async function runOperation(req: JobRequest, ctx: JobContext): Promise<JobResult> {
  switch (req.kind) {
    case 'train': {
      const p = req.params;
      return {
        kind: 'train',
        value: await trainModel(p.config, p.outDir, { ...ctx, resume: p.resume }),
      };
    }
    case 'construct':
      return {
        kind: 'construct',
        value: await buildConstructed(req.params.config, req.params.outDir, ctx),
      };
    case 'evaluate':
      return { kind: 'evaluate', value: await evaluate(req.params, ctx) };
    case 'reproduce': {
      const p = req.params;
      const opts = {
        profile: profileFor(p.profile, p.data, p.norm),
        data: p.data,
        out: p.outDir,
        poolSize: defaultPoolSize(),
      };
      const results = p.seeds?.length
        ? await reproduceSeeds(opts, p.seeds, ctx)
        : await reproduce(opts, ctx);
      return { kind: 'reproduce', value: { outDir: p.outDir, results } };
    }
    case 'theory':
      return { kind: 'theory', value: await theory(req.params, ctx) };
    case 'transfer': {
      const p = req.params;
      const value = await transfer({ ...p, poolSize: p.poolSize ?? defaultPoolSize() }, ctx);
      return { kind: 'transfer', value: { ...value, outDir: p.out } };
    }
    case 'gradients':
      return { kind: 'gradients', value: await gradientReport(req.params, ctx) };
    default: {
      const never: never = req;
      throw new Error(`unknown job kind ${JSON.stringify(never)}`);
    }
  }
}

async function evaluate(
  p: Extract<JobRequest, { kind: 'evaluate' }>['params'],
  ctx: JobContext,
): Promise<EvaluateResult> {
  const ckpt = await loadCheckpoint(p.checkpoint);
  try {
    const seed = p.seed ?? 0;
    const test = await loadDataset(p.data ?? defaultTestData(ckpt.manifest), {
      split: 'test',
      limit: p.limit,
      seed,
      signal: ctx.signal,
    });
    assertCheckpointFits(p.checkpoint, ckpt.manifest, test);
    if (p.attack && p.attack !== 'pgd') {
      const r = await evaluateWithAttack(
        inferenceFn(ckpt.model),
        test,
        {
          attack: p.attack,
          version: p.version,
          custom: p.attacks,
          norm: p.norm,
          eps: p.eps,
          seed,
          batchSize: p.batchSize ?? 250,
          // The attack's batches side by side on the pool's threads, one per core.
          ...(defaultPoolSize() > 1
            ? { pool: { checkpoint: p.checkpoint, size: defaultPoolSize() } }
            : {}),
        },
        ctx,
      );
      for (const w of r.warnings) ctx.log?.(`warning: ${w}`);
      let metrics: CheckpointMetrics | undefined;
      for (const [eps, e] of Object.entries(r.byEps))
        metrics = mergeEvaluationIntoMetrics(p.checkpoint, p.norm, eps, r.key, e);
      const first = Object.values(r.byEps)[0];
      return {
        checkpointDir: p.checkpoint,
        standardAcc: first?.standardAcc ?? 0,
        robustAcc: Object.fromEntries(Object.entries(r.byEps).map(([k, e]) => [k, e.robustAcc])),
        norm: p.norm,
        steps: 0,
        evaluation: first?.label,
        n: first?.n ?? test.shape[0],
        testSet: test.source,
        metrics: metrics!,
      };
    }
    const r = await evaluateRobustness(
      inferenceFn(ckpt.model),
      test,
      {
        norm: p.norm,
        eps: p.eps,
        steps: p.steps,
        restarts: p.restarts ?? 0,
        randomStart: false,
        seed,
        batchSize: p.batchSize ?? 250,
      },
      ctx,
    );
    const attack = { ...r.attack, backend: backendLabel(), seed };
    const metrics = mergeIntoMetrics(
      p.checkpoint,
      p.norm,
      { standardAcc: r.standardAcc, robustAcc: r.robustAcc, attack, n: r.n },
      test.source,
    );
    return {
      checkpointDir: p.checkpoint,
      standardAcc: r.standardAcc,
      robustAcc: r.robustAcc,
      norm: p.norm,
      steps: p.steps,
      n: r.n,
      testSet: test.source,
      metrics,
    };
  } finally {
    ckpt.model.dispose();
  }
}

/** JSON has no ∞ (λ at ε = 0): non-finite numbers are written as strings, as the CLI does. */
function theoryJson(result: TheoryResult): string {
  return (
    JSON.stringify(
      result,
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
      2,
    ) + '\n'
  );
}

async function theory(p: Extract<JobRequest, { kind: 'theory' }>['params'], ctx: JobContext) {
  // A config from an experiment file passed only the schema's shape check: check it in full.
  const cfg = p.config
    ? validateTheoryConfig(p.config, 'the theory config')
    : defaultTheoryConfig();
  const t0 = Date.now();
  const result = await runTheoryExperiment(
    cfg,
    p.config ? 'experiment settings' : 'built-in 2-D demo',
    {
      signal: ctx.signal,
      onProgress: (done, total, note) =>
        ctx.onProgress?.({
          phase: 'theory',
          fraction: done / total,
          step: done,
          steps: total,
          message: note,
        }),
    },
  );
  const plots = renderTheoryPlots(result);
  const files = {
    json: path.join(p.outDir, 'theory.json'),
    ellipses: path.join(p.outDir, 'ellipses.svg'),
    angles: path.join(p.outDir, 'angles.svg'),
  };
  writeFileAtomic(files.ellipses, plots.ellipses);
  writeFileAtomic(files.angles, plots.angles);
  writeFileAtomic(files.json, theoryJson(result));
  // A manifest like every other artifact's, so the Runs view and hovers recognise the folder.
  writeJsonAtomic(path.join(p.outDir, 'manifest.json'), {
    kind: 'theory',
    source: p.config ? 'experiment settings' : 'built-in 2-D demo',
    dim: cfg.dim,
    eps: cfg.eps,
    backend: backendLabel(),
    createdAt: new Date().toISOString(),
  });
  return { outDir: p.outDir, files, seconds: (Date.now() - t0) / 1000 };
}
