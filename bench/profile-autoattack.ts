/**
 * Where AutoAttack's time goes, on a real checkpoint and real test images: Square queries (the
 * proposals in JS, then the forward pass and the margins) and APGD-T iterations (loss and input
 * gradient), each timed by wall clock and process CPU. Threads: $RFL_WASM_THREADS, as the CLI.
 * Usage: npx tsx bench/profile-autoattack.ts CHECKPOINT [images=128] [queries=100] [iters=20]
 *   [offset=0]
 * (offset: the first test image, so that two processes can take halves of one set.) Prints one
 * JSON line. The machine is shared: compare runs interleaved, and read CPU next to wall.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend/ladder';
import { loadCheckpoint } from '../src/engine/models/checkpoint';
import { loadDataset } from '../src/engine/formats/load';
import { inferenceFn } from '../src/engine/eval/accuracy';
import { batchTensors } from '../src/engine/train/batches';
import { makeRng } from '../src/engine/formats/rng';
import { squareQuery, squareStart } from '../src/engine/attacks/square';
import { apgdObjective } from '../src/engine/attacks/apgdAttack';
import { lossAndGrad } from '../src/engine/attacks/pgd';

const [dir, nArg, qArg, iArg, offArg] = process.argv.slice(2);
const n = Number(nArg ?? 128);
const queries = Number(qArg ?? 100);
const iters = Number(iArg ?? 20);
const offset = Number(offArg ?? 0);

function clock(): () => { wall: number; cpu: number } {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - w0) / 1000, cpu: (c.user + c.system) / 1e6 };
  };
}

void (async () => {
  const info = await initBackend('wasm');
  const ckpt = await loadCheckpoint(dir!);
  const fn = inferenceFn(ckpt.model);
  const test = await loadDataset('fashion-mnist', { split: 'test', limit: 1000, seed: 0 });
  const idx = Array.from({ length: n }, (_, i) => offset + i);
  const { x, y } = batchTensors(test, idx);
  const o = { norm: 'l2', eps: 1.5, queries: 5000, seed: 7 } as const;
  const rng = makeRng(7);
  const st = await squareStart(fn, x, y, o, rng);
  const all = Array.from({ length: n }, (_, i) => i);
  // Warm-up query, then the timed ones from the middle of the schedule (small windows).
  await squareQuery(fn, st, all, 1000, o, rng);
  const sq = clock();
  for (let q = 0; q < queries; q++) await squareQuery(fn, st, all, 1000 + q, o, rng);
  const square = sq();
  // The forward pass alone, on the same candidates.
  const fw = clock();
  for (let q = 0; q < queries; q++) {
    const m = tf.tidy(() => fn(tf.tensor4d(st.cand, x.shape)));
    await m.data();
    m.dispose();
  }
  const forward = fw();
  // Everything but the model: proposals, the candidates' tensor, the margins, the bookkeeping.
  const noModel = (t: tf.Tensor4D) =>
    tf.slice(tf.reshape<tf.Rank.R2>(t, [t.shape[0], -1]), [0, 0], [-1, 10]);
  const ov = clock();
  for (let q = 0; q < queries; q++) await squareQuery(noModel, st, all, 1000 + q, o, rng);
  const overhead = ov();
  const targets = tf.tidy(() =>
    tf.reshape<tf.Rank.R1>(tf.slice(tf.topk(fn(x), 2).indices, [0, 1], [-1, 1]), [-1]),
  );
  const ones = tf.ones<tf.Rank.R1>([n]);
  const objective = apgdObjective(fn, 'dlr-targeted', y, targets);
  const step = async () => {
    const r = lossAndGrad(objective, x, ones);
    await r.losses.data();
    await r.pred!.data();
    tf.dispose([r.losses, r.grad, r.pred!]);
  };
  await step();
  const ap = clock();
  for (let i = 0; i < iters; i++) await step();
  const apgd = ap();
  const per = (t: { wall: number; cpu: number }, k: number) => ({
    wallMs: +((1000 * t.wall) / k).toFixed(2),
    cpuMs: +((1000 * t.cpu) / k).toFixed(2),
    imagesPerSec: Math.round((n * k) / t.wall),
  });
  console.log(
    JSON.stringify({
      backend: info.ladder.find((l) => l.status === 'chosen')?.reason?.slice(0, 22),
      n,
      offset,
      squareQuery: per(square, queries),
      forwardOnly: per(forward, queries),
      squareWithoutModel: per(overhead, queries),
      apgdIteration: per(apgd, iters),
    }),
  );
})();
