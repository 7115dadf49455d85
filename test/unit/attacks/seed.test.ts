/** Seed 0 (the default everywhere) must be a real seed: tfjs's random ops treat 0 as "unseeded". */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { attack } from '../../../src/engine/attacks/attack';
import { tfjsSeed } from '../../../src/engine/attacks/pgd';

before(async () => {
  await initBackend('cpu');
});

test('a random start with seed 0 is reproducible, and differs from seed 1', async () => {
  const model = (x: tf.Tensor4D) =>
    tf.reshape<tf.Rank.R2>(tf.slice(x, [0, 0, 0, 0], [-1, 1, 2, 1]), [-1, 2]);
  const x = tf.fill<tf.Rank.R4>([3, 2, 2, 1], 0.5);
  const y = tf.tensor1d([0, 1, 0], 'int32');
  const run = async (seed: number) => {
    const r = await attack(model, x, y, {
      norm: 'l2',
      eps: 0.3,
      stepSize: 0.1,
      iterations: 0,
      randomStart: true,
      useBest: false,
      seed,
    });
    const v = Array.from(await r.adv.data());
    r.adv.dispose();
    return v;
  };
  assert.deepEqual(await run(0), await run(0));
  assert.notDeepEqual(await run(0), await run(1));
  assert.equal(tfjsSeed(0), 1);
  assert.equal(tfjsSeed(undefined), undefined);
  assert.notEqual(tfjsSeed(-1), tfjsSeed(0));
  tf.dispose([x, y]);
});
