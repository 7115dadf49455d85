/**
 * `reproduce --eval autoattack`: after the pipeline, AutoAttack (standard) on each of the six
 * evaluated models, at the profile's threat model and on the profile's test images and seed,
 * beside PGD-20 on the same images; an attack's chunks run side by side on the pool, as with
 * `eval --pool`. Written to DIR/autoattack.json and into each checkpoint's metrics.json;
 * results.json (the PGD figures the paper comparison uses) is left as it is.
 */
import * as path from 'node:path';
import type { JobContext } from '../types';
import { loadCheckpoint, writeJsonAtomic } from '../models/checkpoint';
import { loadDataset } from '../formats/load';
import { inferenceFn } from '../eval/accuracy';
import { evaluateWithAttack } from '../eval/attackEval';
import { mergeEvaluationIntoMetrics, type AttackEvaluation } from '../eval/mergeMetrics';
import { EVALUATED } from './plan';
import type { ReproduceProfile } from '../formats/profiles';

export async function autoAttackReproduction(
  out: string,
  profile: ReproduceProfile,
  data: string,
  ctx: JobContext = {},
  /** Threads of the engine's pool the attacks' chunks run on (1: this thread only). */
  poolSize = 1,
): Promise<Record<string, AttackEvaluation>> {
  const e = profile.evaluation;
  const test = await loadDataset(data, {
    split: 'test',
    limit: profile.testLimit,
    seed: profile.seed,
    signal: ctx.signal,
  });
  const byModel: Record<string, AttackEvaluation> = {};
  for (const name of EVALUATED) {
    const dir = path.join(out, name);
    const ckpt = await loadCheckpoint(dir);
    try {
      ctx.log?.(`AutoAttack (standard) on ${name}`);
      const r = await evaluateWithAttack(
        inferenceFn(ckpt.model),
        test,
        {
          attack: 'autoattack',
          version: 'standard',
          norm: e.norm,
          eps: [e.eps],
          seed: profile.seed,
          batchSize: 250,
          ...(poolSize > 1 ? { pool: { checkpoint: dir, size: poolSize } } : {}),
        },
        ctx,
      );
      for (const w of r.warnings) ctx.log?.(`warning: ${name}: ${w}`);
      const ev = r.byEps[String(e.eps)]!;
      mergeEvaluationIntoMetrics(dir, e.norm, String(e.eps), r.key, ev);
      byModel[name] = ev;
    } finally {
      ckpt.model.dispose();
    }
  }
  writeJsonAtomic(path.join(out, 'autoattack.json'), {
    threat: { norm: e.norm, eps: e.eps },
    byModel,
  });
  return byModel;
}
