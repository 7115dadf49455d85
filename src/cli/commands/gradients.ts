/** `robust-features gradients --standard CKPT --robust CKPT --out DIR`: paper §4's interpretability claim, measured. */
import { startBackend } from '../args';
import { parseVerb, type VerbSpec } from '../options';
import { gradientReport } from '../../engine/interpret/report';
import { GRADIENT_DEFAULTS as D } from '../../engine/formats/presets';

export const gradientsVerb = {
  name: 'gradients',
  summary: 'input gradients and class drawings of a standard vs a robust model, edge alignment',
  description: [
    'For n test images: input gradients of the loss (gradients-<which>.png: image row, gradient row,',
    'grey = 0) and large-ε targeted L2 attacks towards every class (targeted-<which>.png: one row per',
    'image, one column per class), for a standard and a robust checkpoint; metrics.json gives the mean',
    "correlation of |∇ₓL| with the image's Sobel edges for each (higher = more aligned with the object).",
  ].join('\n'),
  options: {
    standard: { kind: 'string', arg: 'CKPT', required: true, help: 'a standard checkpoint' },
    robust: { kind: 'string', arg: 'CKPT', required: true, help: 'a robust checkpoint' },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'results folder' },
    n: { kind: 'int', arg: 'N', min: 1, default: D.n, help: 'test images' },
    eps: { kind: 'number', default: D.eps, help: 'L2 radius of the class drawings' },
    steps: { kind: 'int', arg: 'N', min: 1, default: D.steps, help: 'steps of the class drawings' },
    data: {
      kind: 'string',
      arg: 'SPEC',
      defaultText: "the standard checkpoint's dataset",
      help: 'test set',
    },
    seed: { kind: 'int', arg: 'N', min: 0, default: D.seed, help: 'seed of the image subset' },
  },
} as const satisfies VerbSpec;

export async function runGradients(argv: string[]): Promise<void> {
  const o = parseVerb(gradientsVerb, argv);
  await startBackend(o.backend, o.json);
  const r = await gradientReport({
    standard: o.standard,
    robust: o.robust,
    out: o.out,
    n: o.n,
    eps: o.eps,
    steps: o.steps,
    data: o.data,
    seed: o.seed,
  });
  console.log(
    o.json
      ? JSON.stringify({ standard: r.standard, robust: r.robust })
      : `edge alignment of input gradients (corr with Sobel edges, ${o.n} images): standard ${r.standard.toFixed(3)}, robust ${r.robust.toFixed(3)}; images in ${o.out}`,
  );
}
