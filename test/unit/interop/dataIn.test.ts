/**
 * Data in from PyTorch users: arrays written by numpy itself (np.save of NCHW float64, float16,
 * bool, uint8; int64 labels), image folders of mixed sizes resized with --size, and the refusals
 * (ambiguous layout, no class count) in words that name the file and the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { loadDataset } from '../../../src/engine/formats/load';
import { withSpecOptions } from '../../../src/engine/formats/spec';

const PYTHON = '/usr/bin/python3';
const hasNumpy = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = hasNumpy ? false : 'numpy is not installed (apt install python3-numpy)';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-datain-'));

/**
 * numpy writes each folder; ref.npy is the same images as float32 NHWC in [0,1], computed by
 * numpy, to compare ours against.
 */
const NUMPY = `
import numpy as np, os, sys
root = sys.argv[1]
rng = np.random.default_rng(0)
def save(name, images, labels, ref):
    d = os.path.join(root, name); os.makedirs(d)
    np.save(os.path.join(d, 'images.npy'), images)
    np.save(os.path.join(d, 'labels.npy'), labels)
    np.save(os.path.join(d, 'ref.npy'), ref.astype(np.float32))
x = rng.random((4, 3, 5, 6))                                   # float64, NCHW, as torch.Tensor.numpy() then np.save
save('nchw-f64', x, np.array([0, 1, 2, 1]), x.transpose(0, 2, 3, 1))
h = rng.random((4, 5, 6, 1)).astype(np.float16)
save('nhwc-f16', h, np.array([1, 0, 1, 0], dtype=np.uint8), h.astype(np.float32))
b = rng.random((4, 1, 5, 6)) > 0.5
save('nchw-bool', b, np.array([0, 1, 0, 1], dtype=np.int32), b.transpose(0, 2, 3, 1).astype(np.float32))
u = (rng.random((4, 3, 5, 6)) * 255).astype(np.uint8)
save('nchw-u8', u, np.array([2, 2, 0, 1], dtype=np.int64), u.transpose(0, 2, 3, 1) / 255.0)
a = rng.random((4, 3, 6, 3)).astype(np.float32)                   # (n, 3, h, 3): both readings fit
save('ambiguous', a, np.array([0, 1, 0, 1]), a)
save('labels-300', rng.random((4, 5, 6, 3)).astype(np.float32), np.array([0, 299, 3, 1]), np.zeros(1))
save('bytes-as-float', (rng.random((4, 5, 6, 1)) * 255), np.array([0, 1, 0, 1]), np.zeros(1))
`;
if (hasNumpy) execFileSync(PYTHON, ['-c', NUMPY, tmp]);

const ref = (name: string) => {
  const f = path.join(tmp, name, 'ref.npy');
  const b = fs.readFileSync(f);
  // ref.npy is float32 '<f4' C order: the data follows the header.
  const start = 10 + b.readUInt16LE(8);
  return new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length));
};

async function load(name: string, opts: { layout?: 'nchw' | 'nhwc'; classes?: number }) {
  return loadDataset(withSpecOptions(`npy:${path.join(tmp, name)}`, opts), { split: 'train' });
}

for (const [name, classes, shape, dtypeNote] of [
  ['nchw-f64', 3, [4, 5, 6, 3], 'float64 converted to float32'],
  ['nhwc-f16', 2, [4, 5, 6, 1], 'float16 converted to float32'],
  ['nchw-bool', 2, [4, 5, 6, 1], 'bool read as 0 and 1'],
  ['nchw-u8', 3, [4, 5, 6, 3], 'uint8 0–255 scaled to [0, 1]'],
] as const) {
  test(`npy from numpy: ${name} reads as NHWC with numpy's own values`, { skip }, async () => {
    const d = await load(name, { classes });
    assert.deepEqual(d.shape, shape);
    assert.equal(d.numClasses, classes);
    const want = ref(name);
    assert.equal(d.images.length, want.length);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(d.images[i]! - want[i]!) < 1e-6, `${name}: pixel ${i}`);
    const notes = d.conversions?.join('\n') ?? '';
    assert.ok(notes.includes(dtypeNote), notes);
    assert.equal(/NCHW .* transposed to NHWC/.test(notes), name.startsWith('nchw'), notes);
    // The spec records the class count, so the manifest of a model trained on it reloads the same data.
    assert.match(d.source, new RegExp(`\\?classes=${classes}$`));
  });
}

test(
  'npy: an ambiguous shape is refused with both readings and --layout; --layout settles it',
  { skip },
  async () => {
    const file = path.join(tmp, 'ambiguous', 'images.npy');
    await assert.rejects(load('ambiguous', { classes: 2 }), (e: Error) => {
      assert.ok(e.message.startsWith(file), e.message);
      assert.match(e.message, /as NCHW it is 4 images of 6×3 with 3 channel\(s\)/);
      assert.match(e.message, /as NHWC 4 images of 3×6 with 3 channel\(s\)/);
      assert.match(e.message, /--layout nchw or --layout nhwc/);
      return true;
    });
    const nhwc = await load('ambiguous', { classes: 2, layout: 'nhwc' });
    assert.deepEqual(nhwc.shape, [4, 3, 6, 3]);
    assert.deepEqual(
      Array.from(nhwc.images.subarray(0, 5)),
      Array.from(ref('ambiguous').subarray(0, 5)),
    );
    const nchw = await load('ambiguous', { classes: 2, layout: 'nchw' });
    assert.deepEqual(nchw.shape, [4, 6, 3, 3]);
    // NCHW pixel (0, c=1, y=0, x=0) is element 18 of the array: it lands at NHWC channel 1.
    assert.equal(nchw.images[1], ref('ambiguous')[18]);
  },
);

test('npy: the class count is never taken from the largest label', { skip }, async () => {
  const labels = path.join(tmp, 'labels-300', 'labels.npy');
  await assert.rejects(
    load('labels-300', {}),
    (e: Error) =>
      e.message.startsWith(labels) &&
      /how many classes\? .*up to 299\)\. Pass --classes N/.test(e.message),
  );
  await assert.rejects(
    load('labels-300', { classes: 10 }),
    (e: Error) =>
      e.message.startsWith(labels) &&
      /label 299 at index 1 is not in \[0, 10\) \(--classes\)/.test(e.message),
  );
});

test('npy: float pixels of 0–255 say to divide by 255 or save uint8', { skip }, async () => {
  await assert.rejects(
    load('bytes-as-float', { classes: 2 }),
    (e: Error) =>
      e.message.startsWith(path.join(tmp, 'bytes-as-float', 'images.npy')) &&
      /look like 0–255 values .*divide by 255, or save them as uint8/.test(e.message),
  );
});

function writePng(file: string, w: number, h: number, rgb: [number, number, number]): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set([...rgb, 255], 4 * i);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
}

test('folder: images of mixed sizes load with --size (sharp), refused without it', async () => {
  const dir = path.join(tmp, 'mixed');
  writePng(path.join(dir, 'cat', 'a.png'), 20, 10, [200, 40, 40]);
  writePng(path.join(dir, 'cat', 'b.png'), 7, 9, [200, 40, 40]);
  writePng(path.join(dir, 'dog', 'c.png'), 32, 32, [10, 100, 250]);
  await assert.rejects(loadDataset(`folder:${dir}`, { split: 'train' }), (e: Error) =>
    /all images must share one size .*pass --size HxW/.test(e.message),
  );
  const d = await loadDataset(withSpecOptions(`folder:${dir}`, { size: [8, 6] }), {
    split: 'train',
  });
  assert.deepEqual(d.shape, [3, 8, 6, 3]);
  assert.equal(d.source, `folder:${dir}?size=8x6`);
  // A flat colour stays that colour however it is resampled.
  const px = (i: number) =>
    Array.from(d.images.subarray(i * 144, i * 144 + 3), (v) => Math.round(v * 255));
  assert.deepEqual(
    [px(0), px(1), px(2)],
    [
      [200, 40, 40],
      [200, 40, 40],
      [10, 100, 250],
    ],
  );
  assert.match(d.conversions?.join() ?? '', /resized to 8×6/);
});
