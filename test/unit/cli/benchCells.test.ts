/**
 * The bench matrix's cells (engine/bench/workloads.ts benchCells): `--model` and `--shape` as
 * 'all', one name or a list, in the bench's order; bad names and shapes are clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchCells, parseShape } from '../../../src/engine/bench/workloads';

test('bench cells: all × all is every model of the zoo on both shapes', () => {
  const cells = benchCells('all', 'all');
  assert.deepEqual(
    cells.map((c) => `${c.model} ${c.shape}`),
    [
      'mlp 28x28x1',
      'mlp 32x32x3',
      'cnn 28x28x1',
      'cnn 32x32x3',
      'cnn-wide 28x28x1',
      'cnn-wide 32x32x3',
      'vgg 28x28x1',
      'vgg 32x32x3',
      'inception 28x28x1',
      'inception 32x32x3',
      'resnet 28x28x1',
      'resnet 32x32x3',
      'densenet 28x28x1',
      'densenet 32x32x3',
      'resnet-deep 28x28x1',
      'resnet-deep 32x32x3',
    ],
  );
  assert.deepEqual(benchCells('cnn', '28x28x1'), [{ model: 'cnn', shape: '28x28x1' }]);
  assert.deepEqual(
    benchCells('resnet, vgg', '32x32x3').map((c) => c.model),
    ['resnet', 'vgg'],
  );
  assert.deepEqual(parseShape('16x20x3'), [16, 20, 3]);
});

test('bench cells: an unknown model or a malformed shape names what is wrong', () => {
  assert.throws(() => benchCells('alexnet', 'all'), /Unknown model 'alexnet'/);
  assert.throws(() => benchCells('cnn', '28x28'), /a shape is HxWxC.*got '28x28'/);
  assert.throws(() => benchCells('cnn', '28x0x1'), /got '28x0x1'/);
});
