/** `robust-features transfer --source CKPT --out DIR`: the paper's Figure 3 (§3.3). */
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { errorMessage } from '../../shared/errorMessage';
import { terminalProgress } from '../progress';
import { transfer } from '../../engine/transfer/transfer';
import { TRANSFER_DEFAULTS } from '../../engine/formats/presets';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { profileFor } from '../../engine/formats/profiles';

const D = TRANSFER_DEFAULTS;
/** reproduce's Fashion-MNIST relabelling in L∞: transfer's attack defaults under --norm linf. */
const LINF_RELABEL = profileFor('quick', 'fashion-mnist', 'linf').relabel;
const relabelDefault = (k: 'eps' | 'steps' | 'stepSize') =>
  `L2 ${D.relabel[k]}, L∞ ${Number(LINF_RELABEL[k].toPrecision(4))}: reproduce's Fashion-MNIST relabelling`;

export const transferVerb = {
  name: 'transfer',
  summary: 'Figure 3 (§3.3): per architecture, accuracy from D_rand vs attack transfer',
  description: [
    'Figure 3: builds D_rand from the source (a standard model on D); trains each architecture on',
    "D_rand (x: its accuracy on the original test set) and on D (y: how often the source's untargeted",
    'and targeted adversarial test images fool it). Pearson and Spearman over the architectures with',
    'bootstrap intervals. Writes results.json (figure3), transfer.json, transfer.csv, transfer.svg.',
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
      help: 'training images for D_rand and D',
    },
    'test-limit': { kind: 'int', arg: 'N', min: 1, default: D.testLimit, help: 'test images' },
    norm: { kind: 'string', choices: ['l2', 'linf'], default: 'l2', help: "the attacks' norm" },
    eps: {
      kind: 'number',
      defaultText: relabelDefault('eps'),
      help: 'radius of the targeted PGD building D_rand, and of the transfer attacks',
    },
    steps: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: relabelDefault('steps'),
      help: 'steps of those attacks',
    },
    'step-size': {
      kind: 'number',
      defaultText: relabelDefault('stepSize'),
      help: 'step size of those attacks',
    },
    seed: { kind: 'int', arg: 'N', min: 0, default: D.seed, help: 'seed' },
    bootstrap: {
      kind: 'int',
      arg: 'N',
      min: 1,
      default: 2000,
      help: "resamples for the correlations' intervals",
    },
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
  const relabel = o.norm === 'linf' ? LINF_RELABEL : D.relabel;
  let archs;
  try {
    archs = o.archs?.split(',').map((a) => parseArch(a.trim()));
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, 'transfer');
  const r = await transfer(
    {
      source: o.source,
      out: o.out,
      archs,
      trainLimit: o.limit,
      testLimit: o['test-limit'],
      epochs: o.epochs,
      relabel: {
        norm: o.norm,
        eps: o.eps ?? relabel.eps,
        steps: o.steps ?? relabel.steps,
        stepSize: o['step-size'] ?? relabel.stepSize,
      },
      seed: o.seed,
      bootstrap: o.bootstrap,
      poolSize: pool,
    },
    { onProgress: bar.onProgress, log: bar.log },
  );
  bar.stop();
  if (o.json) return void console.log(JSON.stringify(r));
  const pct = (v: number) => (100 * v).toFixed(1).padStart(9);
  console.log(
    'arch         D_rand acc  std acc  untargeted  targeted  (transfer to the standard model, %)',
  );
  for (const p of r.figure3.points)
    console.log(
      `${p.arch.padEnd(12)} ${pct(p.dRandAcc)} ${pct(p.standardAcc)} ${pct(p.untargetedTransfer)}  ${pct(p.targetedTransfer)}`,
    );
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
  for (const k of ['untargeted', 'targeted'] as const) {
    const c = r.figure3.correlations[k];
    console.log(
      `${k}: Pearson r ${f(c.pearson.r)} [${f(c.pearson.ci[0])}, ${f(c.pearson.ci[1])}]   Spearman ρ ${f(c.spearman.r)} [${f(c.spearman.ci[0])}, ${f(c.spearman.ci[1])}]   (95% bootstrap)`,
    );
  }
  console.log(`figure: ${o.out}/transfer.svg`);
}
