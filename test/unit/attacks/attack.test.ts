/**
 * Behaviour of attack() against robustness `Attacker.forward`: targeted attacks reach their
 * target, FGSM is one ℓ∞ step, random restarts only add successes.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import {
  attack,
  crossEntropyPerExample,
  defaultStepSize,
  fgsmOptions,
} from '../../../src/engine/attacks';
import { CLASSES, accuracy, bandsTask, toTensors, trainedNet, type DenseNet } from './helpers';

let net: DenseNet;
let x: tf.Tensor4D;
let y: tf.Tensor1D;

before(async () => {
  await initBackend('cpu');
  net = trainedNet();
  ({ x, y } = toTensors(bandsTask(12, 7)));
  assert.ok(accuracy(net.model, x, y) >= 0.9, 'fixture: the tiny model must learn the bands task');
});

describe('targeted attacks', () => {
  it('reach the target class with a large enough ε (ℓ2, D_det-style target y+1 mod C)', async () => {
    const t = tf.tidy(() => tf.cast(tf.mod(tf.add(y, 1), CLASSES), 'int32') as tf.Tensor1D);
    const eps = 3;
    const res = await attack(net.model, x, t, {
      norm: 'l2',
      eps,
      stepSize: defaultStepSize(eps, 20),
      iterations: 20,
      targeted: true,
    });
    assert.deepEqual(res.success, new Array<boolean>(12).fill(true));
    assert.deepEqual(Array.from(res.predictions ?? []), Array.from(t.dataSync()));
    tf.dispose([t, res.adv]);
  });

  it('minimise the loss to the target: final loss ≤ loss at the clean point', async () => {
    const t = tf.tidy(() => tf.cast(tf.mod(tf.add(y, 2), CLASSES), 'int32') as tf.Tensor1D);
    const clean = tf.tidy(() => crossEntropyPerExample(net.model(x), t));
    const res = await attack(net.model, x, t, {
      norm: 'linf',
      eps: 0.1,
      stepSize: 0.03,
      iterations: 5,
      targeted: true,
    });
    const c = clean.dataSync();
    res.finalLoss.forEach((l, i) => assert.ok(l <= (c[i] ?? NaN) + 1e-6));
    tf.dispose([t, clean, res.adv]);
  });
});

describe('FGSM', () => {
  it('is one ℓ∞ step of size ε from the clean point, clipped to [0,1]', async () => {
    const eps = 0.1;
    const res = await attack(net.model, x, y, fgsmOptions(eps));
    const expected = tf.tidy(() => {
      const g = tf.grad((xx: tf.Tensor) =>
        tf.sum(crossEntropyPerExample(net.model(xx as tf.Tensor4D), y)),
      )(x);
      return tf.clipByValue(tf.add(x, tf.mul(tf.sign(g), eps)), 0, 1);
    });
    const maxDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(res.adv, expected))).dataSync()[0]);
    assert.ok((maxDiff ?? 1) < 1e-6, `max |adv − FGSM| = ${maxDiff}`);
    tf.dispose([res.adv, expected]);
  });

  it('with useBest, returns per example either the clean point or the FGSM point', async () => {
    const plain = await attack(net.model, x, y, fgsmOptions(0.1));
    const best = await attack(net.model, x, y, { ...fgsmOptions(0.1), useBest: true });
    const [a, b, c] = [best.adv.arraySync(), plain.adv.arraySync(), x.arraySync()];
    a.forEach((ex, i) =>
      assert.ok(
        JSON.stringify(ex) === JSON.stringify(b[i]) || JSON.stringify(ex) === JSON.stringify(c[i]),
      ),
    );
    tf.dispose([plain.adv, best.adv]);
  });
});

describe('random restarts', () => {
  it('never reduce success compared with one run from the same seed', async () => {
    let gained = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.boolean(),
        fc.constantFrom('l2' as const, 'linf' as const),
        async (seed, targeted, norm) => {
          const t = targeted
            ? tf.tidy(() => tf.cast(tf.mod(tf.add(y, 1), CLASSES), 'int32') as tf.Tensor1D)
            : y;
          // ε (tuned on this fixture) where some, not all, examples fall: restarts have room to help.
          const eps = norm === 'l2' ? 0.8 : targeted ? 0.2 : 0.25;
          const opts = {
            norm,
            eps,
            stepSize: defaultStepSize(eps, 3),
            iterations: 3,
            targeted,
            seed,
          };
          const one = await attack(net.model, x, t, { ...opts, randomStart: true });
          const many = await attack(net.model, x, t, { ...opts, randomRestarts: 3 });
          one.success?.forEach((s, i) =>
            assert.ok(!s || many.success?.[i], `example ${i} lost its success`),
          );
          gained +=
            (many.success?.filter(Boolean).length ?? 0) -
            (one.success?.filter(Boolean).length ?? 0);
          tf.dispose([one.adv, many.adv, ...(targeted ? [t] : [])]);
        },
      ),
      { numRuns: 8, seed: 7 },
    );
    assert.ok(gained > 0, 'the fixture should let restarts find some extra successes');
  });

  it('one restart is exactly one randomly started run with the same seed', async () => {
    const opts = { norm: 'l2' as const, eps: 0.5, stepSize: 0.2, iterations: 3, seed: 11 };
    const a = await attack(net.model, x, y, { ...opts, randomStart: true });
    const b = await attack(net.model, x, y, { ...opts, randomRestarts: 1 });
    assert.deepEqual(Array.from(a.adv.dataSync()), Array.from(b.adv.dataSync()));
    tf.dispose([a.adv, b.adv]);
  });
});
