/** `robust-features transfer --source CKPT --out DIR`: the paper's transferability figure (§3.3). */
import { parse, startBackend, num, poolOption } from '../args';
import { terminalProgress } from '../progress';
import { transfer } from '../../engine/transfer/transfer';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { profileFor } from '../../engine/formats/profiles';

/** reproduce's Fashion-MNIST relabelling (README, "Choosing ε on Fashion-MNIST"). */
const RELABEL = profileFor('quick', 'fashion-mnist').relabel;

const HELP = `robust-features transfer --source CKPT --out DIR [options]
  Builds D_rand from the source (a standard model), trains each architecture on it, and reports its
  accuracy on the original test set against the success of targeted attacks crafted on the source.
  Writes transfer.json, transfer.csv and transfer.svg (scatter with the Pearson correlation).
  --archs ${ARCHS.join(',')} (default: all)   --epochs N (default 5)
  --limit N (training images for D_rand; default 5000)   --test-limit N (default 1000)
  --eps X --steps N --step-size X   targeted L2 PGD (default ${RELABEL.eps}, ${RELABEL.steps}, ${RELABEL.stepSize}: reproduce's Fashion-MNIST relabelling)   --seed N
  --pool N   cores (default: all): N threads build D_rand; 1 = everything on this thread, single-threaded`;

export async function runTransfer(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      source: { type: 'string' },
      out: { type: 'string' },
      archs: { type: 'string' },
      epochs: { type: 'string', default: '5' },
      limit: { type: 'string', default: '5000' },
      'test-limit': { type: 'string', default: '1000' },
      eps: { type: 'string', default: String(RELABEL.eps) },
      steps: { type: 'string', default: String(RELABEL.steps) },
      'step-size': { type: 'string', default: String(RELABEL.stepSize) },
      seed: { type: 'string', default: '0' },
      pool: { type: 'string' },
    },
    HELP,
  );
  if (!o.source || !o.out) throw new Error(`--source CKPT and --out DIR are required\n\n${HELP}`);
  const pool = poolOption(o.pool) ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, 'transfer');
  const r = await transfer(
    {
      source: o.source,
      out: o.out,
      archs: o.archs?.split(',').map((a) => parseArch(a.trim())),
      trainLimit: num(o.limit, 'limit'),
      testLimit: num(o['test-limit'], 'test-limit') ?? 1000,
      epochs: num(o.epochs, 'epochs') ?? 5,
      relabel: {
        eps: num(o.eps, 'eps') ?? RELABEL.eps,
        steps: num(o.steps, 'steps') ?? RELABEL.steps,
        stepSize: num(o['step-size'], 'step-size') ?? RELABEL.stepSize,
      },
      seed: num(o.seed, 'seed') ?? 0,
      poolSize: pool,
    },
    { onProgress: bar.onProgress, log: bar.log },
  );
  bar.stop();
  if (o.json) return void console.log(JSON.stringify(r));
  console.log('arch     test acc  transfer success');
  for (const row of r.rows)
    console.log(
      `${row.arch.padEnd(8)} ${(100 * row.testAcc).toFixed(1).padStart(8)}  ${(100 * row.transferSuccess).toFixed(1).padStart(16)}`,
    );
  console.log(`Pearson correlation: ${r.correlation.toFixed(3)}   (figure: ${o.out}/transfer.svg)`);
}
