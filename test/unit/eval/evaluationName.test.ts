/**
 * How an evaluation is keyed and labelled in metrics.json (`evaluationName`): a budget other than
 * the standard one is part of the key and the label, but only a budget some attack of the plan
 * reads, and an AutoAttack below the standard budget ranks under the standard one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluationName } from '../../../src/engine/eval/attackEval';

test('the standard budgets keep the standard keys', () => {
  assert.deepEqual(evaluationName({ attack: 'autoattack', version: 'standard' }), {
    key: 'autoattack-standard',
    label: 'AutoAttack (standard)',
    strength: 3,
  });
  // Stating the standard budgets changes nothing.
  assert.equal(
    evaluationName({ attack: 'autoattack', iterations: 100, queries: 5000 }).key,
    'autoattack-standard',
  );
  assert.deepEqual(evaluationName({ attack: 'apgd-t' }), {
    key: 'apgd-t',
    label: 'APGD-T',
    strength: 2,
  });
});

test('another budget is in the key and label; below standard, AutoAttack ranks 2.5', () => {
  assert.deepEqual(evaluationName({ attack: 'autoattack', iterations: 20, queries: 500 }), {
    key: 'autoattack-standard-20-iterations-500-queries',
    label: 'AutoAttack (standard, 20 iterations, 500 queries)',
    strength: 2.5,
  });
  // More than the standard budget is named, and still ranks as AutoAttack.
  assert.deepEqual(evaluationName({ attack: 'autoattack', iterations: 200 }), {
    key: 'autoattack-standard-200-iterations',
    label: 'AutoAttack (standard, 200 iterations)',
    strength: 3,
  });
  assert.equal(evaluationName({ attack: 'fab-t', iterations: 5 }).label, 'FAB-T (5 iterations)');
});

test('a budget no attack of the plan reads is left out', () => {
  assert.equal(evaluationName({ attack: 'square', iterations: 5 }).key, 'square');
  assert.equal(evaluationName({ attack: 'apgd-ce', queries: 50 }).key, 'apgd-ce');
  // The rand version has no Square; a custom list may have none either.
  assert.equal(
    evaluationName({ attack: 'autoattack', version: 'rand', queries: 50 }).key,
    'autoattack-rand',
  );
  assert.equal(
    evaluationName({ attack: 'autoattack', version: 'custom', custom: ['apgd-ce'], queries: 50 })
      .key,
    'autoattack-custom',
  );
  assert.equal(
    evaluationName({ attack: 'autoattack', version: 'custom', custom: ['square'], iterations: 9 })
      .key,
    'autoattack-custom',
  );
});
