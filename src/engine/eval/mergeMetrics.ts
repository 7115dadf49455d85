/**
 * Adds an evaluation to a checkpoint's metrics.json: robustAcc[norm][ε] and attack[norm] (with the
 * sample count and test set) join what is there, so curves measured at different times accumulate.
 * Shared by the CLI's `eval` and the worker's evaluate job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../models/checkpoint';
import type { CheckpointMetrics } from '../train/writeCheckpoint';

export interface EvaluationRecord {
  standardAcc: number;
  robustAcc: Record<string, number>;
  attack: Record<string, unknown>;
  n: number;
}

export function mergeIntoMetrics(
  dir: string,
  norm: string,
  r: EvaluationRecord,
  testSet: string,
): CheckpointMetrics {
  const file = path.join(dir, 'metrics.json');
  const old = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointMetrics)
    : ({} as CheckpointMetrics);
  const robust = { ...(old.robustAcc ?? {}) };
  robust[norm] = { ...(robust[norm] ?? {}), ...r.robustAcc };
  const attacks = { ...(old.attack ?? {}), [norm]: { ...r.attack, n: r.n, testSet } };
  const merged: CheckpointMetrics = {
    ...old,
    standardAcc: r.standardAcc,
    n: r.n,
    testSet,
    robustAcc: robust,
    attack: attacks,
  };
  writeJsonAtomic(file, merged);
  return merged;
}
