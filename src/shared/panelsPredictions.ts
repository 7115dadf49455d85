/**
 * Predictions the panels show (gallery: top-1 of a chosen standard and robust checkpoint;
 * diff: top-3 with probabilities), stored beside the dataset they describe so the extension host
 * only reads JSON: `<dataset folder>/predictions/<checkpoint name>[.source].json`.
 * Written by the worker request `panels/predict` (src/worker/panelsRequests.ts).
 */
import * as path from 'node:path';
import { RequestType } from 'vscode-jsonrpc';

export interface PredictionsFile {
  kind: 'predictions';
  checkpoint: string;
  /** Checkpoint folder name, the label the panels show. */
  name: string;
  dataset: string;
  /** True: predictions on the source images of a constructed set, not on the set itself. */
  source: boolean;
  n: number;
  /** Per image: the 3 most probable classes and their softmax probabilities, best first. */
  top3: [number, number][][];
  createdAt: string;
}

export interface PredictParams {
  checkpoint: string;
  folder: string;
  source?: boolean;
}
export interface PredictResult {
  file: string;
  n: number;
  seconds: number;
}

export const PredictRequest = new RequestType<PredictParams, PredictResult, void>('panels/predict');

export function predictionsPath(folder: string, checkpointName: string, source: boolean): string {
  return path.join(folder, 'predictions', `${checkpointName}${source ? '.source' : ''}.json`);
}
