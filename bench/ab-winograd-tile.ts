/**
 * A/B of Winograd's tiles, F(2×2,3×3) against F(4×4,3×3), for each pass of the 3×3 stride-1
 * convolutions of the VGG and the ResNet (batch 128, 'same'), calls alternating so that the
 * shared machine's load hits both alike; process CPU time per call, median of `reps`.
 * Usage: npx tsx bench/ab-winograd-tile.ts [reps=8]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setupBackends } from '../test/unit/kernels/helpers';
import { setWinogradTile } from '../src/engine/kernels/conv/winograd';

const reps = Number(process.argv[2] ?? 8);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

void (async () => {
  await setupBackends();
  await tf.setBackend('wasm');
  // [side, ci, co]: the VGG's at 28 and 32, the ResNet's stride-1 layers at 28 and 32.
  const cases: Array<[number, number, number]> = [
    [28, 32, 32],
    [14, 32, 64],
    [14, 64, 64],
    [32, 32, 32],
    [16, 32, 64],
    [16, 64, 64],
    [28, 16, 16],
    [14, 32, 32],
    [7, 64, 64],
    [8, 64, 64],
  ];
  for (const [hw, ci, co] of cases) {
    const x = tf.randomUniform<tf.Rank.R4>([128, hw, hw, ci]);
    const w = tf.randomUniform<tf.Rank.R4>([3, 3, ci, co]);
    const dy = tf.randomUniform<tf.Rank.R4>([128, hw, hw, co]);
    const passes: Record<string, () => tf.Tensor> = {
      forward: () => tf.conv2d(x, w, 1, 'same'),
      'input grad.': () => tf.conv2dTranspose(dy, w, [128, hw, hw, ci], 1, 'same'),
      'filter grad.': () =>
        tf.engine().runKernel<tf.Tensor>(
          'Conv2DBackpropFilter',
          { x, dy },
          {
            strides: 1,
            pad: 'same',
            dataFormat: 'NHWC',
            dilations: 1,
            filterShape: [3, 3, ci, co],
          },
        ),
    };
    const line: string[] = [];
    for (const [name, pass] of Object.entries(passes)) {
      const t: Record<2 | 4, number[]> = { 2: [], 4: [] };
      for (let r = 0; r < reps + 1; r++)
        for (const m of [2, 4] as const) {
          setWinogradTile(m);
          const c0 = process.cpuUsage();
          pass().dispose();
          const c = process.cpuUsage(c0);
          if (r > 0) t[m].push((c.user + c.system) / 1000);
        }
      line.push(`${name} ${median(t[2]).toFixed(1)} → ${median(t[4]).toFixed(1)}`);
    }
    setWinogradTile();
    console.log(`${hw}×${hw} ${ci}→${co} (F2 → F4 ms): ${line.join(', ')}`);
    tf.dispose([x, w, dy]);
  }
})();
