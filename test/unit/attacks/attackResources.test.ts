/**
 * attack() with a custom loss (representation inversion), cancellation, input validation and
 * tensor hygiene.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { AbortedError } from '../../../src/engine/types';
import { attack, crossEntropyPerExample } from '../../../src/engine/attacks';
import { accuracy, bandsTask, toTensors, trainedNet, type DenseNet } from './helpers';

let net: DenseNet;
let x: tf.Tensor4D;
let y: tf.Tensor1D;

before(async () => {
  await initBackend('cpu');
  net = trainedNet();
  ({ x, y } = toTensors(bandsTask(12, 7)));
  assert.ok(accuracy(net.model, x, y) >= 0.9, 'fixture: the tiny model must learn the bands task');
});

describe('custom loss (representation inversion)', () => {
  it('moves a seed image towards a target representation with the unconstrained step', async () => {
    const targetRep = tf.tidy(() => net.rep(x));
    const seedImg = tf.fill<tf.Rank.R4>(x.shape, 0.5);
    const customLoss = (_m: unknown, xx: tf.Tensor4D, target: tf.Tensor2D): tf.Tensor1D =>
      tf.div(tf.norm(tf.sub(net.rep(xx), target), 2, 1), tf.norm(target, 2, 1));
    const start = tf.tidy(() => customLoss(null, seedImg, targetRep).dataSync());
    const res = await attack(net.model, seedImg, targetRep, {
      norm: 'unconstrained',
      eps: Infinity,
      stepSize: 0.1,
      iterations: 30,
      targeted: true,
      customLoss,
    });
    assert.equal(res.success, undefined);
    res.finalLoss.forEach((l, i) =>
      assert.ok(l < (start[i] ?? 0) * 0.7, `example ${i}: ${l} vs start ${start[i]}`),
    );
    tf.dispose([targetRep, seedImg, res.adv]);
  });
});

describe('resources', () => {
  it('leaves no tensor behind across repeated attacks of every kind', async () => {
    const warm = await attack(net.model, x, y, {
      norm: 'l2',
      eps: 0.5,
      stepSize: 0.1,
      iterations: 2,
    });
    warm.adv.dispose();
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      for (const useBest of [true, false]) {
        const r1 = await attack(net.model, x, y, {
          norm: 'l2',
          eps: 0.5,
          stepSize: 0.1,
          iterations: 3,
          useBest,
          randomRestarts: 2,
          seed: rep,
        });
        const r2 = await attack(net.model, x, y, {
          norm: 'linf',
          eps: 0.1,
          stepSize: 0.05,
          iterations: 2,
          useBest,
          targeted: true,
          randomStart: true,
          onIteration: () => {},
        });
        const r3 = await attack(net.model, x, y, {
          norm: 'unconstrained',
          eps: 0,
          stepSize: 0.1,
          iterations: 2,
          useBest,
          customLoss: (m, xx, t) => crossEntropyPerExample(m(xx), t),
        });
        tf.dispose([r1.adv, r2.adv, r3.adv]);
      }
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('stops between iterations when the signal is aborted, without leaking', async () => {
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    await assert.rejects(
      attack(net.model, x, y, {
        norm: 'l2',
        eps: 0.5,
        stepSize: 0.1,
        iterations: 50,
        signal: ac.signal,
        randomRestarts: 2,
        onIteration: (i) => i === 3 && ac.abort(),
      }),
      AbortedError,
    );
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects inconsistent inputs', async () => {
    const short = tf.tensor1d([0], 'int32');
    await assert.rejects(
      attack(net.model, x, short, { norm: 'l2', eps: 1, stepSize: 0.1, iterations: 1 }),
      /rows/,
    );
    await assert.rejects(
      attack(net.model, x, y, { norm: 'l2', eps: 1, stepSize: 0.1, iterations: 1.5 }),
      /iterations/,
    );
    short.dispose();
  });
});
