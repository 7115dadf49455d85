/**
 * The attack on the wasm backend (the embedded default) agrees with the pure-JS cpu backend.
 * Dense-only model: the wasm conv gradients are another module's business.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../../../src/engine/backend/ladder';
import { attack, type AttackOptions } from '../../../src/engine/attacks';
import { bandsTask, toTensors, trainedNet, type DenseNet } from './helpers';

let net: DenseNet;

before(async () => {
  await initBackend('wasm');
  net = trainedNet();
});

async function runOn(
  backend: 'wasm' | 'cpu',
  opts: AttackOptions,
): Promise<{ adv: Float32Array; loss: Float32Array; success: boolean[] }> {
  assert.ok(await tf.setBackend(backend));
  const { x, y } = toTensors(bandsTask(9, 3));
  const before = tf.memory().numTensors;
  const r = await attack(net.model, x, y, opts);
  const adv = (await r.adv.data()) as Float32Array;
  r.adv.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: tensor leak`);
  tf.dispose([x, y]);
  return { adv, loss: r.finalLoss, success: r.success ?? [] };
}

describe('wasm vs cpu', () => {
  for (const norm of ['l2', 'linf'] as const) {
    it(`${norm}-PGD gives the same adversarial batch on both backends`, async () => {
      const opts: AttackOptions = {
        norm,
        eps: norm === 'l2' ? 0.8 : 0.2,
        stepSize: norm === 'l2' ? 0.3 : 0.07,
        iterations: 5,
      };
      const w = await runOn('wasm', opts);
      const c = await runOn('cpu', opts);
      let maxDiff = 0;
      for (let i = 0; i < w.adv.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs((w.adv[i] ?? 0) - (c.adv[i] ?? 0)));
      // float32 summation order differs between backends; over 5 normalised steps that stays ≪ the step size.
      assert.ok(maxDiff < 1e-3, `max |wasm − cpu| = ${maxDiff}`);
      assert.deepEqual(w.success, c.success);
      w.loss.forEach((l, i) => assert.ok(Math.abs(l - (c.loss[i] ?? NaN)) < 1e-3));
    });
  }
});
