/** `robust-features eval --checkpoint DIR --norm l2 --eps 0.5,1,1.5,2 --steps 20 [--restarts R] [--limit N] [--json]` */
import { parse, startBackend, num, numList } from '../args';
import { terminalProgress } from '../progress';
import { loadCheckpoint } from '../../engine/models/checkpoint';
import { mergeIntoMetrics } from '../../engine/eval/mergeMetrics';
import { loadDataset } from '../../engine/data/load';
import { inferenceFn } from '../../engine/eval/accuracy';
import { evaluateRobustness } from '../../engine/eval/robust';
import { backendLabel } from '../../engine/provenance';

const HELP = `robust-features eval --checkpoint DIR --norm l2|linf --eps LIST [options]
  --eps 0.5,1,1.5,2   the ε values (robust accuracy for each: an accuracy–ε curve)
  --steps N           PGD iterations (default 20); step size 2.5·ε/steps unless --step-size
  --restarts R        random restarts (default 0)   --random-start
  --limit N           evaluate on N test images (seeded subset; default all)
  --data SPEC         test set (default: the checkpoint's dataset)   --seed N   --batch N   --json
  Writes the result into DIR/metrics.json (robustAcc[norm][ε], with the attack used).`;

export async function runEval(argv: string[]): Promise<void> {
  const o = parse(argv, {
    checkpoint: { type: 'string' }, norm: { type: 'string', default: 'l2' }, eps: { type: 'string' }, steps: { type: 'string', default: '20' },
    'step-size': { type: 'string' }, restarts: { type: 'string', default: '0' }, 'random-start': { type: 'boolean', default: false },
    limit: { type: 'string' }, data: { type: 'string' }, seed: { type: 'string', default: '0' }, batch: { type: 'string', default: '250' },
  }, HELP);
  if (!o.checkpoint) throw new Error(`--checkpoint DIR is required\n\n${HELP}`);
  if (!o.eps) throw new Error(`--eps LIST is required (e.g. --eps 0.5,1,1.5)\n\n${HELP}`);
  if (o.norm !== 'l2' && o.norm !== 'linf') throw new Error(`--norm must be l2 or linf, got '${o.norm}'`);
  const epsList = numList(o.eps, 'eps');
  const epsKeys = o.eps.split(',').map((s) => s.trim());
  await startBackend(o.backend, o.json);
  const ckpt = await loadCheckpoint(o.checkpoint);
  const seed = num(o.seed, 'seed') ?? 0;
  const test = await loadDataset(o.data ?? ckpt.manifest.dataset, { split: 'test', limit: num(o.limit, 'limit'), seed });
  const stepSize = num(o['step-size'], 'step-size');
  const bar = terminalProgress(o.json, 'eval');
  const r = await evaluateRobustness(inferenceFn(ckpt.model), test, {
    norm: o.norm, eps: epsList, steps: num(o.steps, 'steps') ?? 20, stepSize: stepSize === undefined ? undefined : () => stepSize,
    restarts: num(o.restarts, 'restarts') ?? 0, randomStart: o['random-start'], seed, batchSize: num(o.batch, 'batch') ?? 250,
  }, { onProgress: bar.onProgress });
  bar.stop();
  // Keys of robustAcc are the ε values as the user wrote them.
  const robustAcc = Object.fromEntries(epsList.map((e, i) => [epsKeys[i] as string, r.robustAcc[String(e)] as number]));
  const out = { standardAcc: r.standardAcc, robustAcc, attack: { ...r.attack, backend: backendLabel(), seed }, n: r.n };
  mergeIntoMetrics(o.checkpoint, o.norm, out, test.source);
  if (o.json) {
    console.log(JSON.stringify(out));
    return;
  }
  console.log(`standard accuracy ${(100 * r.standardAcc).toFixed(2)}% on ${r.n} images (${test.source})`);
  console.log(`robust accuracy, ${o.norm.toUpperCase()} PGD-${r.attack.steps}, step 2.5·ε/steps, ${r.attack.restarts} restarts:`);
  for (const k of epsKeys) console.log(`  ε=${k.padEnd(6)} ${(100 * (robustAcc[k] ?? 0)).toFixed(2)}%`);
}
