/**
 * The reproduction's evaluation of one checkpoint on the original test set, cached in DIR/eval.json
 * under the settings it used, so that a rerun (or the report after a pool thread ran it) reads it.
 */
import { assertCheckpointFits } from '../models/fits';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobContext } from '../types';
import { loadCheckpoint, writeJsonAtomic } from '../models/checkpoint';
import { loadDataset } from '../formats/load';
import { inferenceFn } from '../eval/accuracy';
import { evaluateRobustness, type RobustEvalResult } from '../eval/robust';
import type { ReproduceProfile } from '../formats/profiles';

export interface EvalSettings extends Pick<
  ReproduceProfile['evaluation'],
  'norm' | 'eps' | 'steps' | 'restarts'
> {
  data: string;
  testLimit?: number;
  seed: number;
}

export function evalSettings(data: string, p: ReproduceProfile): EvalSettings {
  return { data, testLimit: p.testLimit, seed: p.seed, ...p.evaluation };
}

/** The cached result when DIR/eval.json was written with exactly these settings. */
export function cachedEval(dir: string, settings: EvalSettings): RobustEvalResult | undefined {
  const file = path.join(dir, 'eval.json');
  if (!fs.existsSync(file)) return undefined;
  const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    settings: unknown;
    result: RobustEvalResult;
  };
  return JSON.stringify(cached.settings) === JSON.stringify(settings) ? cached.result : undefined;
}

export async function evaluateCached(
  dir: string,
  settings: EvalSettings,
  ctx: JobContext,
): Promise<RobustEvalResult> {
  const cached = cachedEval(dir, settings);
  if (cached) return cached;
  const ckpt = await loadCheckpoint(dir);
  try {
    const test = await loadDataset(settings.data, {
      split: 'test',
      limit: settings.testLimit,
      seed: settings.seed,
      signal: ctx.signal,
    });
    assertCheckpointFits(dir, ckpt.manifest, test);
    const result = await evaluateRobustness(
      inferenceFn(ckpt.model),
      test,
      {
        norm: settings.norm,
        eps: [settings.eps],
        steps: settings.steps,
        restarts: settings.restarts,
        randomStart: false,
        seed: settings.seed,
        batchSize: 250,
      },
      ctx,
    );
    writeJsonAtomic(path.join(dir, 'eval.json'), { settings, result, testSet: test.source });
    return result;
  } finally {
    ckpt.model.dispose();
  }
}
