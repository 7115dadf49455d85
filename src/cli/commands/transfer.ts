/** `robust-features transfer --source CKPT --out DIR`: the paper's Figure 3 (§3.3). */
import { parse, startBackend, num, poolOption } from '../args';
import { terminalProgress } from '../progress';
import { transfer } from '../../engine/transfer/transfer';
import { ARCHS, parseArch } from '../../engine/models/registry';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { parseNorm, profileFor } from '../../engine/formats/profiles';

const HELP = `robust-features transfer --source CKPT --out DIR [options]
  Figure 3: builds D_rand from the source (a standard model on D); trains each architecture on
  D_rand (x: its accuracy on the original test set) and on D (y: how often the source's untargeted
  and targeted adversarial test images fool it). Pearson and Spearman over the architectures with
  bootstrap intervals. Writes results.json (figure3), transfer.json, transfer.csv, transfer.svg.
  --archs ${ARCHS.join(',')} (default: all)   --epochs N (default 5)
  --limit N (training images for D_rand and D; default 5000)   --test-limit N (default 1000)
  --norm l2|linf    the attacks' norm (default l2)
  --eps X --steps N --step-size X   the targeted PGD building D_rand, and the transfer attacks
                    (default: reproduce's Fashion-MNIST relabelling in --norm)   --seed N
  --bootstrap N     resamples for the correlations' intervals (default 2000)
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
      norm: { type: 'string', default: 'l2' },
      eps: { type: 'string' },
      steps: { type: 'string' },
      'step-size': { type: 'string' },
      seed: { type: 'string', default: '0' },
      bootstrap: { type: 'string', default: '2000' },
      pool: { type: 'string' },
    },
    HELP,
  );
  if (!o.source || !o.out) throw new Error(`--source CKPT and --out DIR are required\n\n${HELP}`);
  // reproduce's Fashion-MNIST relabelling in this norm (README, "Choosing ε").
  const relabel = profileFor('quick', 'fashion-mnist', parseNorm(o.norm)).relabel;
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
        norm: relabel.norm,
        eps: num(o.eps, 'eps') ?? relabel.eps,
        steps: num(o.steps, 'steps') ?? relabel.steps,
        stepSize: num(o['step-size'], 'step-size') ?? relabel.stepSize,
      },
      seed: num(o.seed, 'seed') ?? 0,
      bootstrap: num(o.bootstrap, 'bootstrap') ?? 2000,
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
