/**
 * Joins finished chunks into the dataset folder users load: images.npy (float32, NHWC),
 * labels.npy, manifest.json (how it was made, per-image records, summary) and PNG previews.
 */
import * as path from 'node:path';
import type { Dataset } from '../types';
import { writeDatasetFolder } from '../formats/constructed';
import { writePreviewGrid } from '../formats/png';
import { readChunk } from './chunkStore';
import { removeDirAtomic, removeStaleStaging } from '../formats/atomicDir';
import { KIND_NAMES, type ConstructConfig } from './config';
import type { CheckpointManifest } from '../models/checkpoint';
import { backendLabel, versions } from '../provenance';
import { killPoint } from '../testKill';

export interface BuildSummary {
  complete: true;
  outDir: string;
  n: number;
  /** robust/nonrobust: mean final ‖g(x_r) − g(x)‖₂ and mean at the start. */
  meanDistance?: number;
  meanStartDistance?: number;
  /** rand/det: fraction of images the targeted attack moved to the target class. */
  attackSuccess?: number;
  seconds: number;
}

/**
 * Once images.npy and the manifest are in place (a kill can leave them behind: build.ts's
 * finishedSummary, which reproduce also calls, removes them then, with any half-removed remnant).
 */
export function removeChunks(outDir: string): void {
  removeDirAtomic(path.join(outDir, 'chunks'));
  removeStaleStaging(outDir);
}

export async function assemble(
  outDir: string,
  cfg: ConstructConfig,
  source: Dataset,
  sourceCkpt: CheckpointManifest,
  log: (line: string) => void,
): Promise<BuildSummary> {
  const [n, h, w, c] = source.shape;
  const size = h * w * c;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  const perImage: Record<string, number[]> = {};
  let seconds = 0;
  for (let k = 0; k * cfg.chunkSize < n; k++) {
    const chunk = readChunk(outDir, k);
    images.set(chunk.images, chunk.record.start * size);
    labels.set(chunk.labels, chunk.record.start);
    seconds += chunk.record.seconds;
    for (const [key, v] of Object.entries(chunk.record.perImage)) (perImage[key] ??= []).push(...v);
  }
  const mean = (a?: number[]) =>
    a && a.length ? a.reduce((s, x) => s + x, 0) / a.length : undefined;
  const summary: BuildSummary = {
    complete: true,
    outDir,
    n,
    meanDistance: mean(perImage.distance),
    meanStartDistance: mean(perImage.startDistance),
    attackSuccess: mean(perImage.success),
    seconds,
  };
  const dataset: Dataset = {
    images,
    labels,
    shape: [n, h, w, c],
    numClasses: source.numClasses,
    classNames: source.classNames,
    source: `${KIND_NAMES[cfg.kind]} from ${cfg.checkpoint}`,
  };
  // Previews first: the manifest, written last by writeDatasetFolder, marks the build finished,
  // and a rerun after a kill in between must not find a finished build without its previews.
  const first = Array.from({ length: Math.min(32, n) }, (_, i) => i);
  writePreviewGrid(path.join(outDir, 'preview.png'), dataset, first, 8, { scale: 2 });
  writePreviewGrid(path.join(outDir, 'preview-source.png'), source, first, 8, { scale: 2 });
  killPoint('report', path.join(outDir, 'images.npy'));
  await writeDatasetFolder(outDir, dataset, {
    dtype: 'float32',
    manifest: {
      kind: 'constructed-dataset',
      construction: cfg.kind,
      description: KIND_NAMES[cfg.kind],
      config: cfg,
      sourceCheckpoint: {
        path: path.resolve(cfg.checkpoint),
        arch: sourceCkpt.arch,
        dataset: sourceCkpt.dataset,
        training: sourceCkpt.training.adversarial ?? 'standard',
      },
      sourceDataset: { spec: cfg.data, source: source.source, n },
      summary,
      backend: backendLabel(),
      versions: versions(),
      timings: { computeSec: seconds },
      createdAt: new Date().toISOString(),
      perImage,
    },
  });
  killPoint('report', path.join(outDir, 'chunks'));
  // The chunks are now redundant with images.npy; keep them only until the final files exist.
  removeChunks(outDir);
  log(
    `${KIND_NAMES[cfg.kind]}: ${n} images in ${outDir}` +
      (summary.attackSuccess !== undefined
        ? `, attack success ${(100 * summary.attackSuccess).toFixed(1)}%`
        : `, mean ‖g(x_r) − g(x)‖ ${summary.meanDistance?.toFixed(3)} (from ${summary.meanStartDistance?.toFixed(3)})`),
  );
  return summary;
}
