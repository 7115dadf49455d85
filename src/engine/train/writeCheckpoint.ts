/** The final checkpoint: model files, manifest.json (how it was made), metrics.json (how it scores). */
import * as path from 'node:path';
import type { Dataset } from '../types';
import type { TrainConfig } from './config';
import type { BuiltModel } from '../models/registry';
import { writeJsonAtomic, writeModelFiles, type CheckpointManifest } from '../models/checkpoint';
import { backendLabel, versions } from '../provenance';
import type { LoopState } from './snapshot';
import { killPoint } from '../testKill';
import type { AttackEvaluation } from '../eval/mergeMetrics';

/** metrics.json: every number says how it was measured. */
export interface CheckpointMetrics {
  standardAcc: number;
  /** Robust accuracy per norm and ε (keys as given), filled by `robust-features eval`. */
  robustAcc?: Record<string, Record<string, number>>;
  attack?: Record<string, unknown>;
  /**
   * Evaluations by APGD, Square or AutoAttack (`eval --attack`), per norm, ε and attack key
   * (e.g. 'autoattack-standard'); PGD's stay in robustAcc/attack, where older files have them.
   */
  evaluations?: Record<string, Record<string, Record<string, AttackEvaluation>>>;
  /** Test images the accuracies were measured on. */
  n: number;
  testSet: string;
  seed: number;
  backend: string;
  dataset: string;
  arch: string;
  training: 'standard' | 'adversarial';
  trainEps?: number;
  trainNorm?: string;
  date: string;
}

export async function writeCheckpoint(
  outDir: string,
  built: BuiltModel,
  cfg: TrainConfig,
  train: Dataset,
  test: Dataset,
  state: LoopState,
): Promise<CheckpointMetrics> {
  await writeModelFiles(outDir, built.model);
  killPoint('report', path.join(outDir, 'manifest.json'));
  const [, h, w, c] = train.shape;
  const manifest: CheckpointManifest = {
    kind: 'checkpoint',
    arch: built.arch,
    inputShape: [h, w, c],
    numClasses: train.numClasses,
    classNames: train.classNames,
    dataset: cfg.data,
    training: {
      ...cfg,
      trainImages: train.shape[0],
      trainSource: train.source,
      // How the pixels were read (uint8 ÷255, NCHW transposed, …): part of what the model saw.
      ...(train.conversions ? { dataConversions: train.conversions } : {}),
      history: state.history,
    },
    seed: cfg.seed,
    backend: backendLabel(),
    versions: versions(),
    epochsDone: state.epochsDone,
    // Absent when the weights are those of an uninterrupted run (resumed or not).
    ...(state.inexactResume ? { resume: { bitIdentical: false, why: state.inexactResume } } : {}),
    timings: { trainSec: state.trainSec },
    createdAt: new Date().toISOString(),
  };
  writeJsonAtomic(path.join(outDir, 'manifest.json'), manifest);
  killPoint('report', path.join(outDir, 'metrics.json'));
  const last = state.history.at(-1);
  const metrics: CheckpointMetrics = {
    standardAcc: last?.testAccuracy ?? 0,
    n: test.shape[0],
    testSet: test.source,
    seed: cfg.seed,
    backend: backendLabel(),
    dataset: cfg.data,
    arch: built.arch,
    training: cfg.adversarial ? 'adversarial' : 'standard',
    ...(cfg.adversarial ? { trainEps: cfg.adversarial.eps, trainNorm: cfg.adversarial.norm } : {}),
    date: manifest.createdAt,
  };
  writeJsonAtomic(path.join(outDir, 'metrics.json'), metrics);
  return metrics;
}
