/**
 * A/B of the two ways AutoAttack can use both cores, in one process, runs alternating: A = the
 * ensemble's batches one after another on this thread with wasm's threads ($RFL_WASM_THREADS,
 * default one per core); B = the same batches side by side on the engine's thread pool
 * (ensembleChunks.ts), one single-threaded wasm instance each. Prints wall and process CPU
 * (every thread) per run and checks that both give the same result.
 * Usage: npx tsx bench/ab-autoattack-pool.ts CHECKPOINT [images=200] [batch=100] [rounds=2]
 *   [attacks=apgd-t:20,square:300] (name:iterations or name:queries)
 */
import { initBackend } from '../src/engine/backend/ladder';
import { loadCheckpoint } from '../src/engine/models/checkpoint';
import { loadDataset } from '../src/engine/formats/load';
import { inferenceFn } from '../src/engine/eval/accuracy';
import {
  evaluateEnsemble,
  standardBudget,
  type EnsembleAttackName,
} from '../src/engine/eval/autoattack';
import { closePool } from '../src/engine/pool/pool';

const [dir, nArg, bArg, rArg, aArg] = process.argv.slice(2);
const n = Number(nArg ?? 200);
const batchSize = Number(bArg ?? 100);
const rounds = Number(rArg ?? 2);
const attacks = (aArg ?? 'apgd-t:20,square:300').split(',').map((s) => {
  const [name, budget] = s.split(':') as [EnsembleAttackName, string];
  const a = standardBudget(name);
  return name === 'square'
    ? { ...a, queries: Number(budget) }
    : { ...a, iterations: Number(budget) };
});

void (async () => {
  const info = await initBackend('wasm');
  const fn = inferenceFn((await loadCheckpoint(dir!)).model);
  const test = await loadDataset('fashion-mnist', { split: 'test', limit: n, seed: 0 });
  const o = { norm: 'l2' as const, eps: 1.5, attacks, seed: 0, batchSize };
  const seen = new Map<string, string>();
  for (let r = 0; r < rounds; r++)
    for (const mode of r % 2 ? (['pool', 'threads'] as const) : (['threads', 'pool'] as const)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await evaluateEnsemble(fn, test, {
        ...o,
        ...(mode === 'pool' ? { pool: { checkpoint: dir!, size: 2 } } : {}),
      });
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      const key = JSON.stringify({
        ...res,
        attacks: res.attacks.map((a) => ({ ...a, seconds: undefined })),
      });
      seen.set(mode, key);
      console.log(
        JSON.stringify({
          round: r,
          mode,
          wall: +wall.toFixed(1),
          cpu: +((cpu.user + cpu.system) / 1e6).toFixed(1),
          perAttack: res.attacks.map((a) => [a.name, +a.seconds.toFixed(1), a.robustAcc]),
        }),
      );
    }
  console.log(
    JSON.stringify({
      backend: info.ladder.find((l) => l.status === 'chosen')?.reason?.slice(0, 22),
      identical: seen.get('pool') === seen.get('threads'),
    }),
  );
  await closePool();
})();
