/**
 * The bench's PyTorch side runs the same architectures (python/rfl_zoo.py): for every model of the
 * zoo on both bench shapes, the same parameter count, and the same logits (inference mode) when
 * the torch model gets our weights as `export --format safetensors` writes them
 * (interop/stateDict.ts), with random batch norm statistics and biases so that a swapped layer
 * shows. Runs where /usr/bin/python3 has torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '../../../src/engine/backend/gradients';
import { buildModel, type ArchName } from '../../../src/engine/models/registry';
import { BENCH_MODELS, BENCH_SHAPES, parseShape } from '../../../src/engine/bench/workloads';
import { rand } from '../kernels/helpers';
import { toStateDict } from '../../../src/engine/interop/stateDict';
import { toFloat32 } from '../../../src/engine/interop/safetensors';

type State = Record<string, { shape: number[]; data: Float32Array }>;

const cls = (l: tfl.layers.Layer) => l.getClassName();

/** Our weights as the product exports them (interop/stateDict.ts), float tensors only. */
function torchState(model: tfl.LayersModel, arch: ArchName): State {
  const state: State = {};
  for (const [name, t] of toStateDict(model, arch))
    if (t.dtype === 'F32') state[name] = { shape: t.shape, data: toFloat32(t) };
  return state;
}

const torchHere =
  fs.existsSync('/usr/bin/python3') &&
  spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test(
  "the bench's PyTorch models mirror the zoo: same parameter count, same logits for the same weights",
  {
    skip: torchHere ? false : 'no /usr/bin/python3 with torch',
  },
  async () => {
    await tf.setBackend('cpu');
    const cells: {
      arch: ArchName;
      shape: number[];
      state: State;
      x: { shape: number[]; data: Float32Array };
      params: number;
      logits: Float32Array;
    }[] = [];
    let seed = 1;
    for (const arch of BENCH_MODELS) {
      for (const shapeName of BENCH_SHAPES) {
        const [h, w, c] = parseShape(shapeName);
        const built = buildModel(arch, { inputShape: [h, w, c], numClasses: 10, seed: 0 });
        // Random biases and batch-norm statistics: untrained, every BN is the identity and every
        // bias zero, and a swapped pair would go unseen.
        for (const layer of built.model.layers) {
          const ws = layer.getWeights();
          if (!ws.length) continue;
          layer.setWeights(
            ws.map((t, i) => {
              if (cls(layer) === 'BatchNormalization') {
                const r = tf.tensor(rand(t.shape, seed++), t.shape);
                return i === 3 ? tf.add(tf.abs(r), 0.5) : tf.add(tf.mul(r, 0.3), i === 0 ? 1 : 0);
              }
              return i === 1 ? tf.mul(tf.tensor(rand(t.shape, seed++), t.shape), 0.1) : t;
            }),
          );
        }
        const x = tf.tensor4d(rand([2, h, w, c], seed++), [2, h, w, c]);
        const logits = (
          built.model.apply(x, { training: false }) as tf.Tensor
        ).dataSync() as Float32Array;
        const xNchw = tf.transpose(x, [0, 3, 1, 2]);
        cells.push({
          arch,
          shape: [c, h, w],
          state: torchState(built.model, arch),
          x: { shape: xNchw.shape, data: xNchw.dataSync() as Float32Array },
          // Trainable ones: PyTorch counts batch norm's running statistics as buffers, not parameters.
          params: built.model.trainableWeights.reduce(
            (n, wt) => n + tf.util.sizeFromShape(wt.shape as number[]),
            0,
          ),
          logits,
        });
      }
    }
    // Each cell's tensors as one little-endian float32 file, indexed by name in cells.json.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-mirror-'));
    const index = cells.map((cell, i) => {
      const entries = { ...cell.state, __x__: cell.x };
      let offset = 0;
      const tensors = Object.entries(entries).map(([name, t]) => {
        const at = offset;
        offset += t.data.length;
        return { name, shape: t.shape, offset: at };
      });
      const bin = path.join(dir, `cell${i}.bin`);
      fs.writeFileSync(
        bin,
        Buffer.concat(
          Object.values(entries).map((t) =>
            Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
          ),
        ),
      );
      return { arch: cell.arch, shape: cell.shape, bin, tensors };
    });
    const file = path.join(dir, 'cells.json');
    fs.writeFileSync(file, JSON.stringify(index));
    const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'torch_mirror.py'), file], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { params: number; logits: number[] });
    assert.equal(out.length, cells.length);
    cells.forEach((cell, i) => {
      const theirs = out[i]!;
      const what = `${cell.arch} ${cell.shape.join('x')}`;
      assert.equal(theirs.params, cell.params, `${what}: parameter count`);
      let d = 0,
        m = 1;
      cell.logits.forEach((v, j) => {
        d = Math.max(d, Math.abs(v - theirs.logits[j]!));
        m = Math.max(m, Math.abs(v));
      });
      assert.ok(d / m < 1e-4, `${what}: logits differ by ${d} (max |logit| ${m})`);
    });
  },
);
