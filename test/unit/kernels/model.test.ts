/**
 * Whole-model checks of the wasm backend with our kernels: input and weight gradients of a small
 * conv net match central finite differences and the cpu backend; repeated training steps leak
 * neither tensors nor wasm memory; a small ResNet (stride-2 convs, batchnorm, residual adds)
 * trains on wasm with the cpu backend's gradients.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { rand, setupBackends } from './helpers';

before(setupBackends);

type Params = Record<'w1' | 'w2' | 'w3' | 'x', tf.Tensor>;

/** conv3×3 same s1 → relu → maxpool 2 → conv3×3 valid s2 → relu → dense 10 → softmax CE. */
function loss(p: Params, labels: tf.Tensor): tf.Scalar {
  let h = tf.relu(tf.conv2d(p.x as tf.Tensor4D, p.w1 as tf.Tensor4D, 1, 'same'));
  h = tf.maxPool(h, 2, 2, 'valid');
  h = tf.relu(tf.conv2d(h, p.w2 as tf.Tensor4D, 2, 'valid'));
  const logits = tf.matMul(tf.reshape(h, [h.shape[0], -1]), p.w3);
  return tf.losses.softmaxCrossEntropy(labels, logits);
}

const SHAPES = { x: [3, 10, 10, 2], w1: [3, 3, 2, 4], w2: [3, 3, 4, 5], w3: [20, 10] } as const;

function params(): Params {
  // Halved weights keep the logits moderate, so the loss is not saturated.
  const t = (k: keyof typeof SHAPES, seed: number) =>
    tf.tensor(
      rand([...SHAPES[k]], seed).map((v) => v * 0.5),
      [...SHAPES[k]],
    );
  return { x: t('x', 1), w1: t('w1', 2), w2: t('w2', 3), w3: t('w3', 4) };
}

async function gradients(backend: 'cpu' | 'wasm'): Promise<Record<keyof Params, Float32Array>> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const p = params();
    const labels = tf.oneHot(tf.tensor1d([1, 4, 7], 'int32'), 10);
    const keys = Object.keys(p) as Array<keyof Params>;
    const g = tf.grads((...ts: tf.Tensor[]) =>
      loss(Object.fromEntries(keys.map((k, i) => [k, ts[i]!])) as Params, labels),
    );
    const out = g(keys.map((k) => p[k]));
    return Object.fromEntries(
      keys.map((k, i) => [k, out[i]!.dataSync() as Float32Array]),
    ) as Record<keyof Params, Float32Array>;
  });
}

test('gradients of a small conv net match finite differences and the cpu backend', async () => {
  const wasmGrads = await gradients('wasm');
  const cpuGrads = await gradients('cpu');
  await tf.setBackend('wasm');
  const labels = tf.oneHot(tf.tensor1d([1, 4, 7], 'int32'), 10);
  const p = params();
  const f = () => tf.tidy(() => loss(p, labels).dataSync()[0]!);
  for (const k of Object.keys(p) as Array<keyof Params>) {
    const g = wasmGrads[k];
    for (let i = 0; i < g.length; i++)
      assert.ok(Math.abs(g[i]! - cpuGrads[k][i]!) < 1e-5, `${k}[${i}] vs cpu`);
    // The largest components (float32 central differences are reliable where |g| is large),
    // skipping points on a kink of relu/max-pool, where the one-sided slopes differ.
    const top = [...g.keys()].sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 8);
    const values = p[k].dataSync() as Float32Array;
    let checked = 0;
    for (const i of top) {
      const eps = 2e-3;
      const at = (d: number) => {
        const moved = values.slice();
        moved[i] = values[i]! + d;
        const old = p[k];
        p[k] = tf.tensor(moved, old.shape);
        const y = f();
        p[k].dispose();
        p[k] = old;
        return y;
      };
      const [up, mid, down] = [at(eps), at(0), at(-eps)];
      if (Math.abs((up - mid) / eps - (mid - down) / eps) > 0.05 * Math.abs(g[i]!) + 1e-3) continue;
      const fd = (up - down) / (2 * eps);
      assert.ok(
        Math.abs(fd - g[i]!) < 0.02 * Math.abs(g[i]!) + 1e-4,
        `${k}[${i}]: analytic ${g[i]}, numeric ${fd}`,
      );
      checked++;
    }
    assert.ok(checked >= 3, `${k}: only ${checked} smooth points`);
  }
  tf.dispose([labels, ...Object.values(p)]);
});

function cnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 16, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
}

function resnet(): tfl.LayersModel {
  // Seeded weights: the same net every run (unseeded, an unlucky draw could leave the tolerance).
  let seed = 100;
  const kernelInitializer = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const inp = tfl.input({ shape: [12, 12, 3] });
  const cbr = (x: tfl.SymbolicTensor, f: number, s: number, relu = true) => {
    const c = tfl.layers
      .conv2d({
        filters: f,
        kernelSize: 3,
        strides: s,
        padding: 'same',
        useBias: false,
        kernelInitializer: kernelInitializer(),
      })
      .apply(x);
    const b = tfl.layers.batchNormalization().apply(c) as tfl.SymbolicTensor;
    return relu
      ? (tfl.layers.activation({ activation: 'relu' }).apply(b) as tfl.SymbolicTensor)
      : b;
  };
  const x = cbr(inp, 4, 1);
  const y = cbr(cbr(x, 8, 2), 8, 1, false);
  const sc = tfl.layers
    .conv2d({
      filters: 8,
      kernelSize: 1,
      strides: 2,
      padding: 'same',
      kernelInitializer: kernelInitializer(),
    })
    .apply(x) as tfl.SymbolicTensor;
  const sum = tfl.layers
    .activation({ activation: 'relu' })
    .apply(tfl.layers.add().apply([y, sc])) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
  return tfl.model({
    inputs: inp,
    outputs: tfl.layers
      .dense({ units: 10, kernelInitializer: kernelInitializer() })
      .apply(pooled) as tfl.SymbolicTensor,
  });
}

test('training steps on wasm leak neither tensors nor wasm memory', async () => {
  await tf.setBackend('wasm');
  const m = cnn();
  const x = tf.tensor(rand([4, 28, 28, 1], 11), [4, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
  const opt = tf.train.adam(1e-3);
  const lossOf = (xi: tf.Tensor): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(y, m.apply(xi) as tf.Tensor);
  const step = () => tf.dispose(opt.minimize(() => lossOf(x), true)!);
  const grad = tf.grad(lossOf);
  step(); // creates the optimizer's slots
  tf.dispose(grad(x));
  const counts = () => [tf.memory().numTensors, tf.backend().numDataIds()];
  const before = counts();
  for (let i = 0; i < 3; i++) {
    step();
    tf.dispose(grad(x));
    assert.deepEqual(counts(), before, `after step ${i + 1}`);
  }
  tf.dispose([x, y]);
  m.dispose();
});

test('a small ResNet (stride 2, batchnorm, residual add) trains on wasm with cpu gradients', async () => {
  await tf.setBackend('wasm');
  const m = resnet();
  const x = tf.tensor(rand([2, 12, 12, 3], 21), [2, 12, 12, 3]);
  const y = tf.oneHot(tf.tensor1d([3, 5], 'int32'), 10);
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const lossOf = (): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor);
    const { value, grads } = tf.variableGrads(lossOf);
    const out = Object.fromEntries(
      Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]),
    );
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const a = await grads('wasm');
  const b = await grads('cpu');
  assert.ok(Object.keys(a).length >= 10);
  for (const [k, g] of Object.entries(a)) {
    const ref = b[k]!;
    const scale = Math.max(1e-3, ...ref.map(Math.abs));
    for (let i = 0; i < g.length; i++)
      assert.ok(
        Math.abs(g[i]! - ref[i]!) < 1e-4 * scale + 1e-6,
        `${k}[${i}]: ${g[i]} vs ${ref[i]}`,
      );
  }
  await tf.setBackend('wasm');
  tf.dispose([x, y]);
  m.dispose();
});
