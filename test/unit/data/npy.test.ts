import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, parseNpy, writeNpy } from '../../../src/engine/formats/npy';
import { assertDataError, tempDir } from './helpers';

const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

/** A .npy built by hand, for dtypes and versions we read but never write. */
function handMade(dict: string, data: Uint8Array, major = 1): Buffer {
  const lenSize = major === 1 ? 2 : 4;
  let header = dict;
  while ((8 + lenSize + header.length + 1) % 64) header += ' ';
  header += '\n';
  const b = Buffer.alloc(8 + lenSize + header.length + data.length);
  b.write('\x93NUMPY', 0, 'latin1');
  b[6] = major;
  if (major === 1) b.writeUInt16LE(header.length, 8);
  else b.writeUInt32LE(header.length, 8);
  b.write(header, 8 + lenSize, 'latin1');
  b.set(data, 8 + lenSize + header.length);
  return b;
}

test('npy round trips uint8, float32, int32 with aligned headers', () => {
  const cases = [
    { data: Uint8Array.from([0, 1, 255, 7, 8, 9]), shape: [2, 3] },
    { data: Float32Array.from([0.5, -1, 1e-8, Math.PI]), shape: [1, 2, 2, 1] },
    { data: Int32Array.from([-5, 2147483647]), shape: [2] },
    { data: new Float32Array(0), shape: [0, 28, 28, 1] },
    { data: Int32Array.from([42]), shape: [] },
  ];
  for (const { data, shape } of cases) {
    const bytes = encodeNpy(data, shape);
    assert.equal((bytes.readUInt16LE(8) + 10) % 64, 0, 'data starts on a 64-byte boundary');
    const back = parseNpy(bytes, 'x.npy');
    assert.deepEqual(back.shape, shape);
    assert.deepEqual(back.data, data);
  }
});

test('npy reads <i8 (narrowed to int32) and v2.0 / v3.0 headers', () => {
  const big = new BigInt64Array([3n, -4n, 9n]);
  const a = parseNpy(
    handMade(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
      new Uint8Array(big.buffer),
      2,
    ),
    'a.npy',
  );
  assert.equal(a.dtype, 'int64');
  assert.deepEqual(Array.from(a.data), [3, -4, 9]);
  const b = parseNpy(
    handMade(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (1L, 2L), }",
      Uint8Array.from([5, 6]),
      3,
    ),
    'b.npy',
  );
  assert.deepEqual(b.shape, [1, 2]);
  const huge = new BigInt64Array([2n ** 40n]);
  assertDataError(
    () =>
      parseNpy(
        handMade(
          "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
          new Uint8Array(huge.buffer),
        ),
        'h.npy',
      ),
    'h.npy',
    /does not fit in int32/,
  );
});

test('npy errors name the file and the problem', () => {
  const good = encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2]);
  assertDataError(
    () => parseNpy(Buffer.from('PK\x03\x04 not numpy at all'), 'z.npy'),
    'z.npy',
    /wrong magic bytes 50 4b 03 04 20 6e/,
  );
  assertDataError(
    () => parseNpy(good.subarray(0, good.length - 1), 't.npy'),
    't.npy',
    /^truncated: shape \(2, 2\) of <f4 needs 16 bytes of data but the file has 15 bytes$/,
  );
  assertDataError(
    () => parseNpy(good.subarray(0, 30), 't.npy'),
    't.npy',
    /^truncated: header length/,
  );
  assertDataError(
    () => parseNpy(Buffer.concat([good, Buffer.alloc(4)]), 'e.npy'),
    'e.npy',
    /4 extra/,
  );
  const u2 = handMade(
    "{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }",
    new Uint8Array(2),
  );
  assertDataError(
    () => parseNpy(u2, 'd.npy'),
    'd.npy',
    /^unsupported dtype '<u2' \(supported: \|u1, <u1, \|b1, <f2, <f4, <f8, <i4, <i8\)$/,
  );
  const be = handMade(
    "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
    new Uint8Array(4),
  );
  assertDataError(() => parseNpy(be, 'd.npy'), 'd.npy', /unsupported dtype '>f4'/);
  const fortran = handMade(
    "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
    new Uint8Array(16),
  );
  assertDataError(() => parseNpy(fortran, 'o.npy'), 'o.npy', /fortran_order is True/);
  const structured = handMade(
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
    new Uint8Array(4),
  );
  assertDataError(() => parseNpy(structured, 's.npy'), 's.npy', /structured/);
  const badShape = handMade(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }",
    new Uint8Array(4),
  );
  assertDataError(() => parseNpy(badShape, 'b.npy'), 'b.npy', /shape entry '-1'/);
  const v9 = Buffer.from(good);
  v9[6] = 9;
  assertDataError(() => parseNpy(v9, 'v.npy'), 'v.npy', /unsupported \.npy format version 9\.0/);
});

test(
  'numpy reads our files byte-identically and we read numpy files',
  { skip: !hasNumpy && 'numpy not installed' },
  async () => {
    const dir = tempDir();
    const shapes = [[2, 3, 3, 1], [5], [1, 2, 2, 3], [123456789012, 0]];
    const arrays = [
      {
        file: 'u8.npy',
        data: Uint8Array.from({ length: 18 }, (_, i) => i * 13),
        shape: shapes[0]!,
        np: 'np.uint8',
      },
      {
        file: 'i32.npy',
        data: Int32Array.from([-2, -1, 0, 1, 2147483647]),
        shape: shapes[1]!,
        np: 'np.int32',
      },
      {
        file: 'f32.npy',
        data: Float32Array.from({ length: 12 }, (_, i) => i / 7),
        shape: shapes[2]!,
        np: 'np.float32',
      },
      { file: 'empty.npy', data: new Float32Array(0), shape: shapes[3]!, np: 'np.float32' },
      // This header lands exactly on the 64-byte boundary: numpy still pads a full 64 spaces.
      {
        file: 'aligned.npy',
        data: new Uint8Array(0),
        shape: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10],
        np: 'np.uint8',
      },
    ];
    for (const a of arrays) await writeNpy(path.join(dir, a.file), a.data, a.shape);
    // numpy loads ours (same values), and np.save of the same array gives the same bytes.
    const script = `
import numpy as np, sys
d = sys.argv[1]
cases = ${JSON.stringify(arrays.map((a) => ({ file: a.file, values: Array.from(a.data), shape: a.shape, np: a.np })))}
for c in cases:
    ours = np.load(d + '/' + c['file'])
    ref = np.array(c['values'], dtype=eval(c['np'])).reshape(c['shape'])
    assert ours.dtype == ref.dtype and ours.shape == ref.shape and (ours == ref).all(), c['file']
    np.save(d + '/np_' + c['file'], ref)
np.save(d + '/np_i64.npy', np.array([[1, 2], [3, 4]], dtype=np.int64))
print('ok')`;
    const r = spawnSync(PY, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const a of arrays) {
      const theirs = readFileSync(path.join(dir, 'np_' + a.file));
      assert.deepEqual(
        readFileSync(path.join(dir, a.file)),
        theirs,
        `${a.file} bytes equal numpy's`,
      );
      assert.deepEqual(parseNpy(theirs, a.file).data, a.data);
    }
    const i64 = parseNpy(readFileSync(path.join(dir, 'np_i64.npy')), 'np_i64.npy');
    assert.deepEqual([i64.dtype, i64.shape, Array.from(i64.data)], ['int64', [2, 2], [1, 2, 3, 4]]);
    assert.equal(readFileSync(path.join(dir, 'aligned.npy')).length, 192);
  },
);
