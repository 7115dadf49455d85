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

/** One `eval --attack` result as metrics.json keeps it: enough to say how it was measured. */
export interface AttackEvaluation {
  /** For people: "AutoAttack (standard)", "APGD-T", "Square". */
  label: string;
  /** Robust accuracy: the worst case over every attack that ran. */
  robustAcc: number;
  standardAcc: number;
  /** Protocol rank used to pick the evaluation to show: 3 AutoAttack, 2 APGD-T, 1 one attack. */
  strength: number;
  /** Each attack in order, with its budget, the robust accuracy after it and its time. */
  attacks: Record<string, unknown>[];
  /** PGD-20 on the same images and seed, for comparison (absent if not run). */
  pgd?: { steps: number; robustAcc: number };
  /** The final clean pass over the adversarial points: how many were checked and held. */
  check?: { points: number; held: number; tolerance: number };
  n: number;
  seed: number;
  testSet: string;
  backend: string;
  date: string;
  warnings?: string[];
}

/** Adds an `eval --attack` evaluation under evaluations[norm][ε][key], keeping everything else. */
export function mergeEvaluationIntoMetrics(
  dir: string,
  norm: string,
  eps: string,
  key: string,
  e: AttackEvaluation,
): CheckpointMetrics {
  const file = path.join(dir, 'metrics.json');
  const old = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointMetrics)
    : ({ standardAcc: e.standardAcc, n: e.n, testSet: e.testSet } as CheckpointMetrics);
  const all = { ...(old.evaluations ?? {}) };
  const byEps = { ...(all[norm] ?? {}) };
  byEps[eps] = { ...(byEps[eps] ?? {}), [key]: e };
  all[norm] = byEps;
  const merged: CheckpointMetrics = { ...old, evaluations: all };
  writeJsonAtomic(file, merged);
  return merged;
}
