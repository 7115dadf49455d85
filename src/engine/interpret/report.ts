/**
 * Paper §4's interpretability claim, measured for a standard and a robust checkpoint: input
 * gradients of the loss (gradients-<which>.png: image row, gradient row, grey = 0), large-ε
 * targeted L2 attacks toward every class (targeted-<which>.png: one row per image, one column per
 * class) and the edge alignment of |∇ₓL| in metrics.json. Used by the CLI and the worker.
 */
import { assertCheckpointFits } from '../models/fits';
import * as path from 'node:path';
import type { Dataset, JobContext } from '../types';
import { cancellationPoint } from '../types';
import { defaultTestData, loadCheckpoint, writeJsonAtomic } from '../models/checkpoint';
import { loadDataset } from '../formats/load';
import { inferenceFn } from '../eval/accuracy';
import { writePreviewGrid } from '../formats/png';
import { backendLabel } from '../provenance';
import { classDrawings, inputGradients } from './gradients';
import { killPoint } from '../testKill';

export interface GradientReportOptions {
  standard: string;
  robust: string;
  out: string;
  /** Test images (seeded subset). */
  n: number;
  /** Targeted attack radius and steps for the class drawings. */
  eps: number;
  steps: number;
  /** Test set; default the standard checkpoint's dataset. */
  data?: string;
  seed: number;
}

export interface GradientReport {
  outDir: string;
  /** Mean Pearson correlation of |∇ₓL| with the image's Sobel edges, per model. */
  standard: number;
  robust: number;
}

export async function gradientReport(
  o: GradientReportOptions,
  ctx: JobContext = {},
): Promise<GradientReport> {
  const report: Record<
    'standard' | 'robust',
    { checkpoint: string; edgeAlignment: number; perImage: number[] } | undefined
  > = { standard: undefined, robust: undefined };
  let test: Dataset | undefined;
  const models = [
    ['standard', o.standard],
    ['robust', o.robust],
  ] as const;
  for (const [i, [which, dir]] of models.entries()) {
    await cancellationPoint(ctx.signal, 'gradient maps');
    ctx.onProgress?.({
      phase: 'gradients',
      fraction: i / models.length,
      message: `${which} model`,
    });
    const ckpt = await loadCheckpoint(dir);
    try {
      test ??= await loadDataset(o.data ?? defaultTestData(ckpt.manifest), {
        split: 'test',
        limit: o.n,
        seed: o.seed,
      });
      assertCheckpointFits(dir, ckpt.manifest, test);
      const n = test.shape[0];
      const indices = Array.from({ length: n }, (_, k) => k);
      const fn = inferenceFn(ckpt.model);
      const g = await inputGradients(fn, test, indices);
      const [, h, w, c] = test.shape;
      const pairs: Dataset = {
        ...test,
        shape: [2 * n, h, w, c],
        images: new Float32Array([...test.images, ...g.display]),
        labels: new Int32Array(2 * n),
      };
      writePreviewGrid(
        path.join(o.out, `gradients-${which}.png`),
        pairs,
        Array.from({ length: 2 * n }, (_, k) => k),
        n,
        { scale: 3 },
      );
      killPoint('eval-batch', o.out);
      const drawn = await classDrawings(fn, test, indices, {
        eps: o.eps,
        steps: o.steps,
        seed: o.seed,
      });
      const grid: Dataset = {
        ...test,
        shape: [n * test.numClasses, h, w, c],
        images: drawn,
        labels: new Int32Array(n * test.numClasses),
      };
      writePreviewGrid(
        path.join(o.out, `targeted-${which}.png`),
        grid,
        Array.from({ length: n * test.numClasses }, (_, k) => k),
        test.numClasses,
        { scale: 2 },
      );
      report[which] = {
        checkpoint: path.resolve(dir),
        edgeAlignment: g.edgeAlignment.mean,
        perImage: g.edgeAlignment.perImage,
      };
    } finally {
      ckpt.model.dispose();
    }
  }
  const metrics = {
    ...report,
    how: {
      measure:
        'mean over images of Pearson corr(|∇ₓ CE(f(x), y)| summed over channels, Sobel magnitude of x)',
      images: o.n,
      testSet: test?.source,
      seed: o.seed,
      targeted: { norm: 'l2', eps: o.eps, steps: o.steps, stepSize: (2.5 * o.eps) / o.steps },
      backend: backendLabel(),
    },
  };
  killPoint('report', path.join(o.out, 'metrics.json'));
  writeJsonAtomic(path.join(o.out, 'metrics.json'), metrics);
  ctx.onProgress?.({ phase: 'gradients', fraction: 1 });
  return {
    outDir: o.out,
    standard: report.standard?.edgeAlignment ?? NaN,
    robust: report.robust?.edgeAlignment ?? NaN,
  };
}
