/** `robust-features transfer --source CKPT --out DIR`: the paper's transferability figure (§3.3). */
import { startBackend } from '../args';
import { parseVerb, type VerbSpec } from '../options';
import { terminalProgress } from '../progress';
import { transfer } from '../../engine/transfer/transfer';
import { TRANSFER_DEFAULTS } from '../../engine/formats/presets';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';

const D = TRANSFER_DEFAULTS;

export const transferVerb = {
  name: 'transfer',
  summary: 'transferability (§3.3): accuracy vs transfer success of models trained on D_rand',
  description: [
    'Builds D_rand from the source (a standard model), trains each architecture on it, and reports',
    'its accuracy on the original test set against the success of targeted attacks crafted on the',
    'source. Writes transfer.json, transfer.csv and transfer.svg (scatter with the Pearson correlation).',
  ].join('\n'),
  options: {
    source: {
      kind: 'string',
      arg: 'CKPT',
      required: true,
      help: 'the source (standard) checkpoint',
    },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'results folder' },
    archs: {
      kind: 'string',
      arg: ARCHS.join(','),
      defaultText: 'all',
      help: 'architectures to train',
    },
    epochs: { kind: 'int', arg: 'N', min: 1, default: D.epochs, help: 'epochs per architecture' },
    limit: {
      kind: 'int',
      arg: 'N',
      min: 1,
      default: D.trainLimit,
      help: 'training images for D_rand',
    },
    'test-limit': { kind: 'int', arg: 'N', min: 1, default: D.testLimit, help: 'test images' },
    eps: {
      kind: 'number',
      default: D.relabel.eps,
      help: "targeted L2 PGD radius (reproduce's Fashion-MNIST relabelling)",
    },
    steps: { kind: 'int', arg: 'N', min: 1, default: D.relabel.steps, help: 'targeted PGD steps' },
    'step-size': { kind: 'number', default: D.relabel.stepSize, help: 'targeted PGD step size' },
    seed: { kind: 'int', arg: 'N', min: 0, default: D.seed, help: 'seed' },
    pool: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '$RFL_POOL_SIZE, else one per core',
      help: 'cores: N threads build D_rand; 1 = everything on this thread, single-threaded',
    },
  },
} as const satisfies VerbSpec;

export async function runTransfer(argv: string[]): Promise<void> {
  const o = parseVerb(transferVerb, argv);
  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, 'transfer');
  const r = await transfer(
    {
      source: o.source,
      out: o.out,
      archs: o.archs?.split(',').map((a) => parseArch(a.trim())),
      trainLimit: o.limit,
      testLimit: o['test-limit'],
      epochs: o.epochs,
      relabel: { eps: o.eps, steps: o.steps, stepSize: o['step-size'] },
      seed: o.seed,
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
