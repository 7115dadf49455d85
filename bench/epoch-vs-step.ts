/**
 * `train`'s epoch throughput against the bench's training-step throughput for one model, in one
 * process, alternating: a one-epoch `train` run (Fashion-MNIST, --limit images, batch 128, Adam;
 * its record's imagesPerSec counts the training steps only, not the test-set evaluation) and
 * then as many bench training steps (src/engine/bench/workloads.ts, warmed up once), `rounds`
 * times. The machine's speed drifts, so only pairs taken back to back are compared, and short
 * epochs (a few thousand images) in many rounds compare better than long ones on a loaded machine.
 * Each round also prints the process CPU time of both sides (the train side's includes building
 * the model, a 256-image test pass and the checkpoint), which other jobs do not stretch.
 * Usage: npx tsx bench/epoch-vs-step.ts [model=resnet] [limit=2560] [rounds=6]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/engine/backend/ladder';
import { parseArch } from '../src/engine/models/registry';
import { trainModel } from '../src/engine/train/trainModel';
import { DEFAULT_TRAIN } from '../src/engine/train/config';
import { makeWorkload, WARM_UP } from '../src/engine/bench/workloads';

const model = parseArch(process.argv[2] ?? 'resnet');
const limit = Number(process.argv[3] ?? 2560);
const rounds = Number(process.argv[4] ?? 6);
const B = 128;
const cpuSeconds = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

void (async () => {
  console.log((await initBackend('wasm')).ladder.find((l) => l.status === 'chosen')?.reason);
  const bench = makeWorkload('train', B, { model, shape: '28x28x1' });
  const t0 = performance.now();
  for (let n = 0; n < WARM_UP.steps || performance.now() - t0 < WARM_UP.seconds * 1000; n++)
    await bench.step();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'epoch-vs-step-'));
  const ratios: number[] = [],
    cpuRatios: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const out = path.join(tmp, `run${r}`);
      const c0 = process.cpuUsage();
      const result = await trainModel(
        {
          ...DEFAULT_TRAIN,
          model,
          data: 'fashion-mnist',
          trainLimit: limit,
          testLimit: 256,
          epochs: 1,
          batchSize: B,
          seed: r,
        },
        out,
      );
      const trainCpu = cpuSeconds(c0);
      const epoch = result.history[0]!;
      const steps = Math.ceil(limit / B);
      const s0 = performance.now();
      const c1 = process.cpuUsage();
      for (let i = 0; i < steps; i++) await bench.step();
      const benchCpu = cpuSeconds(c1);
      const benchRate = (steps * B) / ((performance.now() - s0) / 1000);
      ratios.push(epoch.imagesPerSec / benchRate);
      cpuRatios.push(benchCpu / trainCpu);
      console.log(
        `round ${r + 1}: process CPU s, the whole train run (model built, test-set pass and checkpoint included) ${trainCpu.toFixed(1)},`,
        `bench steps ${benchCpu.toFixed(1)}; bench / train ${(benchCpu / trainCpu).toFixed(3)}`,
      );
      console.log(
        `round ${r + 1}: train epoch ${epoch.imagesPerSec.toFixed(1)} img/s (${(epoch.trainSeconds ?? NaN).toFixed(1)} s of steps),`,
        `bench steps ${benchRate.toFixed(1)} img/s; epoch / bench ${(epoch.imagesPerSec / benchRate).toFixed(3)}`,
      );
    }
    // The first round also pays the process's warm-up on the train side (a new model).
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    if (rounds > 1)
      console.log(
        `median of rounds 2–${rounds}: epoch / bench rate ${med(ratios.slice(1)).toFixed(3)},`,
        `bench / train CPU ${med(cpuRatios.slice(1)).toFixed(3)}`,
      );
  } finally {
    bench.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})();
