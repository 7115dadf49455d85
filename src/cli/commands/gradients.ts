/** `robust-features gradients --standard CKPT --robust CKPT --out DIR`: paper §4's interpretability claim, measured. */
import * as path from 'node:path';
import { parse, startBackend, num } from '../args';
import { loadCheckpoint, writeJsonAtomic } from '../../engine/models/checkpoint';
import { loadDataset } from '../../engine/data/load';
import { inferenceFn } from '../../engine/eval/accuracy';
import { classDrawings, inputGradients } from '../../engine/interpret/gradients';
import { writePreviewGrid } from '../../engine/data/png';
import { backendLabel } from '../../engine/provenance';
import type { Dataset } from '../../engine/types';

const HELP = `robust-features gradients --standard CKPT --robust CKPT --out DIR [--n 8] [--eps 8] [--steps 60] [--data SPEC] [--seed N] [--json]
  For n test images: input gradients of the loss (gradients-<which>.png: image row, gradient row,
  grey = 0) and large-ε targeted L2 attacks towards every class (targeted-<which>.png: one row per
  image, one column per class), for a standard and a robust checkpoint; metrics.json gives the mean
  correlation of |∇ₓL| with the image's Sobel edges for each (higher = more aligned with the object).`;

export async function runGradients(argv: string[]): Promise<void> {
  const o = parse(argv, { standard: { type: 'string' }, robust: { type: 'string' }, out: { type: 'string' }, n: { type: 'string', default: '8' }, eps: { type: 'string', default: '8' }, steps: { type: 'string', default: '60' }, data: { type: 'string' }, seed: { type: 'string', default: '0' } }, HELP);
  if (!o.standard || !o.robust || !o.out) throw new Error(`--standard, --robust and --out are required\n\n${HELP}`);
  await startBackend(o.backend, o.json);
  const n = num(o.n, 'n') ?? 8;
  const seed = num(o.seed, 'seed') ?? 0;
  const eps = num(o.eps, 'eps') ?? 8;
  const steps = num(o.steps, 'steps') ?? 60;
  const report: Record<string, unknown> = {};
  let test: Dataset | undefined;
  for (const [which, dir] of [['standard', o.standard], ['robust', o.robust]] as const) {
    const ckpt = await loadCheckpoint(dir);
    test ??= await loadDataset(o.data ?? ckpt.manifest.dataset, { split: 'test', limit: n, seed });
    const indices = Array.from({ length: test.shape[0] }, (_, i) => i);
    const fn = inferenceFn(ckpt.model);
    const g = await inputGradients(fn, test, indices);
    const [, h, w, c] = test.shape;
    const pairs: Dataset = { ...test, shape: [2 * n, h, w, c], images: new Float32Array([...test.images, ...g.display]), labels: new Int32Array(2 * n) };
    writePreviewGrid(path.join(o.out, `gradients-${which}.png`), pairs, Array.from({ length: 2 * n }, (_, i) => i), n, { scale: 3 });
    const drawn = await classDrawings(fn, test, indices, { eps, steps, seed });
    const grid: Dataset = { ...test, shape: [n * test.numClasses, h, w, c], images: drawn, labels: new Int32Array(n * test.numClasses) };
    writePreviewGrid(path.join(o.out, `targeted-${which}.png`), grid, Array.from({ length: n * test.numClasses }, (_, i) => i), test.numClasses, { scale: 2 });
    report[which] = { checkpoint: path.resolve(dir), edgeAlignment: g.edgeAlignment.mean, perImage: g.edgeAlignment.perImage };
    ckpt.model.dispose();
  }
  const metrics = { ...report, how: { measure: 'mean over images of Pearson corr(|∇ₓ CE(f(x), y)| summed over channels, Sobel magnitude of x)', images: n, testSet: test?.source, seed, targeted: { norm: 'l2', eps, steps, stepSize: (2.5 * eps) / steps }, backend: backendLabel() } };
  writeJsonAtomic(path.join(o.out, 'metrics.json'), metrics);
  const s = (report.standard as { edgeAlignment: number }).edgeAlignment;
  const r = (report.robust as { edgeAlignment: number }).edgeAlignment;
  console.log(o.json ? JSON.stringify({ standard: s, robust: r }) : `edge alignment of input gradients (corr with Sobel edges, ${n} images): standard ${s.toFixed(3)}, robust ${r.toFixed(3)}; images in ${o.out}`);
}
