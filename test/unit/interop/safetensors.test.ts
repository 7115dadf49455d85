/** safetensors encoding: round trips, and every damaged file is a DataFormatError naming it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  i64Tensor,
  toFloat32,
  type SafeTensor,
} from '../../../src/engine/interop/safetensors';
import { DataFormatError } from '../../../src/engine/formats/errors';

const sample = () =>
  new Map<string, SafeTensor>([
    ['conv1.weight', f32Tensor(Float32Array.from([1.5, -2, 3, 0.25, 7, 8]), [2, 1, 3, 1])],
    ['bn1.num_batches_tracked', i64Tensor([42], [])],
    ['logits.bias', f32Tensor(Float32Array.from([0.5, -0.5]), [2])],
  ]);

test('encode then decode gives the tensors, their order and the metadata back; header 8-aligned', () => {
  const bytes = encodeSafetensors(sample(), { format: 'pt', 'rfl.arch': 'cnn' });
  assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
  const f = decodeSafetensors(bytes, 'm.safetensors');
  assert.deepEqual([...f.tensors.keys()], [...sample().keys()]);
  assert.deepEqual(f.metadata, { format: 'pt', 'rfl.arch': 'cnn' });
  assert.deepEqual(Array.from(toFloat32(f.tensors.get('conv1.weight')!)), [1.5, -2, 3, 0.25, 7, 8]);
  assert.deepEqual(Array.from(toFloat32(f.tensors.get('bn1.num_batches_tracked')!)), [42]);
  assert.deepEqual(f.tensors.get('bn1.num_batches_tracked')!.shape, []);
});

test('any truncation or corrupted byte is a DataFormatError naming the file, never a crash', () => {
  const good = encodeSafetensors(sample(), { format: 'pt' });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: good.length - 1 }),
      fc.integer({ min: 0, max: good.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      (cut, at, value) => {
        for (const bytes of [good.subarray(0, cut), Buffer.from(good).fill(value, at, at + 1)]) {
          try {
            decodeSafetensors(bytes, 'bad.safetensors');
          } catch (e) {
            assert.ok(e instanceof DataFormatError, String(e));
            assert.equal(e.file, 'bad.safetensors');
          }
        }
      },
    ),
    { numRuns: 300, seed: 7 },
  );
  assert.throws(
    () => decodeSafetensors(good.subarray(0, good.length - 4), 'c.safetensors'),
    /^DataFormatError: c\.safetensors: not a valid safetensors file: tensor 'logits.bias' has data_offsets \[32,40\] outside the 36 data bytes$/,
  );
  const junk = Buffer.concat([good, Buffer.alloc(8)]);
  assert.throws(
    () => decodeSafetensors(junk, 'j'),
    /cover 40 of 48 data bytes \(junk appended\?\)/,
  );
});
