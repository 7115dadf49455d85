/** `robust-features gradients --standard CKPT --robust CKPT --out DIR`: paper §4's interpretability claim, measured. */
import { parse, startBackend, num } from '../args';
import { gradientReport } from '../../engine/interpret/report';

const HELP = `robust-features gradients --standard CKPT --robust CKPT --out DIR [--n 8] [--eps 8] [--steps 60] [--data SPEC] [--seed N] [--json]
  For n test images: input gradients of the loss (gradients-<which>.png: image row, gradient row,
  grey = 0) and large-ε targeted L2 attacks towards every class (targeted-<which>.png: one row per
  image, one column per class), for a standard and a robust checkpoint; metrics.json gives the mean
  correlation of |∇ₓL| with the image's Sobel edges for each (higher = more aligned with the object).`;

export async function runGradients(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      standard: { type: 'string' },
      robust: { type: 'string' },
      out: { type: 'string' },
      n: { type: 'string', default: '8' },
      eps: { type: 'string', default: '8' },
      steps: { type: 'string', default: '60' },
      data: { type: 'string' },
      seed: { type: 'string', default: '0' },
    },
    HELP,
  );
  if (!o.standard || !o.robust || !o.out)
    throw new Error(`--standard, --robust and --out are required\n\n${HELP}`);
  await startBackend(o.backend, o.json);
  const n = num(o.n, 'n') ?? 8;
  const r = await gradientReport({
    standard: o.standard,
    robust: o.robust,
    out: o.out,
    n,
    eps: num(o.eps, 'eps') ?? 8,
    steps: num(o.steps, 'steps') ?? 60,
    data: o.data,
    seed: num(o.seed, 'seed') ?? 0,
  });
  console.log(
    o.json
      ? JSON.stringify({ standard: r.standard, robust: r.robust })
      : `edge alignment of input gradients (corr with Sobel edges, ${n} images): standard ${r.standard.toFixed(3)}, robust ${r.robust.toFixed(3)}; images in ${o.out}`,
  );
}
