/**
 * The export and import verbs as users run them (dist/cli.js in a child process), the files
 * they write read back by numpy/PIL/torch, and the messages for bad input and for a checkpoint
 * that meets data of another shape.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { initBackend } from '../../../src/engine/backend/ladder';
import { buildModel } from '../../../src/engine/models/registry';
import { writeDatasetFolder } from '../../../src/engine/formats/constructed';
import { makeRng } from '../../../src/engine/formats/rng';
import type { Dataset } from '../../../src/engine/types';
import { buildBundles } from '../../helpers/bundles';
import { writeCheckpointFolder } from '../../helpers/checkpoint';

const root = path.resolve(__dirname, '../../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, RFL_BACKEND: 'wasm' },
  });
const PYTHON = '/usr/bin/python3';
const hasTorch = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-interop-cli-'));

/** A small RGB dataset with train/ and test/ splits and class names, as this tool writes them. */
function rgbSet(n: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const images = Float32Array.from(
    { length: n * 6 * 5 * 3 },
    () => Math.round(rng.next() * 255) / 255,
  );
  return {
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    shape: [n, 6, 5, 3],
    numClasses: 3,
    classNames: ['cat', 'dog/wolf', 'bird'],
    source: 'test',
  };
}
const data = path.join(tmp, 'rgb');

before(async () => {
  buildBundles('cli');
  await initBackend('wasm');
  await writeDatasetFolder(path.join(data, 'train'), rgbSet(12, 1), { dtype: 'uint8' });
  await writeDatasetFolder(path.join(data, 'test'), rgbSet(6, 2), { dtype: 'uint8' });
});

test('export --dataset imagefolder: numbered class folders, one lossless PNG per image, per split', () => {
  const out = path.join(tmp, 'folder-out');
  const r = cli('export', '--dataset', `npy:${data}`, '--format', 'imagefolder', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['rfl-export.json', 'test', 'train']);
  assert.deepEqual(fs.readdirSync(path.join(out, 'train')).sort(), [
    '0_cat',
    '1_dog_wolf',
    '2_bird',
  ]);
  const files = fs.readdirSync(path.join(out, 'train', '1_dog_wolf')).sort();
  assert.deepEqual(files, ['01.png', '04.png', '07.png', '10.png']);
  const png = PNG.sync.read(fs.readFileSync(path.join(out, 'train', '1_dog_wolf', '04.png')));
  const want = rgbSet(12, 1)
    .images.subarray(4 * 90, 4 * 90 + 3)
    .map((v) => Math.round(v * 255));
  assert.deepEqual([png.width, png.height, ...png.data.subarray(0, 3)], [5, 6, ...want]);
  // Nothing is overwritten.
  const again = cli('export', '--dataset', `npy:${data}`, '--format', 'imagefolder', '--out', out);
  assert.equal(again.status, 1);
  assert.match(again.stderr, new RegExp(`${out}: already exists and is not empty`));
});

test(
  'export --dataset npy-nchw: torch-ready arrays that numpy reads and this tool reads back',
  { skip: hasTorch ? false : 'no python3-torch' },
  () => {
    const out = path.join(tmp, 'nchw-out');
    const r = cli('export', '--dataset', `npy:${data}`, '--format', 'npy-nchw', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const py = execFileSync(
      PYTHON,
      [
        '-c',
        `import numpy as np, torch, sys
x = np.load(sys.argv[1] + '/train/images.npy'); y = np.load(sys.argv[1] + '/train/labels.npy')
t = torch.nn.functional.cross_entropy(torch.zeros(len(y), 3), torch.from_numpy(y))  # int64 labels, as torch wants
print(x.dtype, x.shape, y.dtype, round(float(x[4, 2, 1, 3]) * 255), y.tolist())`,
        out,
      ],
      { encoding: 'utf8' },
    );
    const src = rgbSet(12, 1);
    // NCHW (4, c=2, y=1, x=3) is NHWC element ((4·6 + 1)·5 + 3)·3 + 2.
    const v = Math.round(src.images[((4 * 6 + 1) * 5 + 3) * 3 + 2]! * 255);
    assert.equal(
      py.trim(),
      `float32 (12, 3, 6, 5) int64 ${v} [${Array.from(src.labels).join(', ')}]`,
    );
    // Its manifest says NCHW, so `npy:` reads it back as the same NHWC data.
    const back = cli(
      'export',
      '--dataset',
      `npy:${out}`,
      '--format',
      'imagefolder',
      '--out',
      path.join(tmp, 'again'),
    );
    assert.equal(back.status, 0, back.stderr);
    const png = PNG.sync.read(
      fs.readFileSync(path.join(tmp, 'again', 'train', '1_dog_wolf', '04.png')),
    );
    assert.equal(png.data[0], Math.round(src.images[4 * 90]! * 255));
  },
);

test('export --checkpoint, then import: the round trip keeps the weights; bad files are named', async () => {
  const ckpt = path.join(tmp, 'ckpt');
  const built = buildModel('vgg', { inputShape: [6, 5, 3], numClasses: 3, seed: 2 });
  await writeCheckpointFolder(ckpt, built.model, {
    arch: 'vgg',
    inputShape: [6, 5, 3],
    numClasses: 3,
    classNames: ['cat', 'dog/wolf', 'bird'],
    dataset: `npy:${data}`,
    seed: 2,
  });
  const weights = built.model.getWeights().map((t) => Array.from(t.dataSync()));
  built.model.dispose();
  const file = path.join(tmp, 'vgg.safetensors');
  const e = cli('export', '--checkpoint', ckpt, '--format', 'safetensors', '--out', file, '--json');
  assert.equal(e.status, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout) as { tensors: number }).tensors, 12);
  // Metadata names arch and shape: --model and --shape may be left out.
  const back = path.join(tmp, 'back');
  const i = cli('import', '--from', file, '--out', back, '--data', `npy:${data}`);
  assert.equal(i.status, 0, i.stderr);
  const { loadCheckpoint } = await import('../../../src/engine/models/checkpoint');
  const c = await loadCheckpoint(back);
  assert.deepEqual(
    c.model.getWeights().map((t) => Array.from(t.dataSync())),
    weights,
  );
  assert.deepEqual(c.manifest.classNames, ['cat', 'dog/wolf', 'bird']);
  c.model.dispose();

  const wrongShape = cli(
    'import',
    '--from',
    file,
    '--model',
    'vgg',
    '--shape',
    '8x8x3',
    '--out',
    path.join(tmp, 'x'),
  );
  assert.equal(wrongShape.status, 1);
  assert.match(
    wrongShape.stderr,
    new RegExp(
      `${file}: tensor 'fc1.weight' is \\[128, 64\\] but a vgg for 8×8×3 images and 3 classes needs \\[128, 256\\]: check --model, --shape`,
    ),
  );
  const wrongArch = cli(
    'import',
    '--from',
    file,
    '--model',
    'cnn',
    '--shape',
    '6x5x3',
    '--out',
    path.join(tmp, 'y'),
  );
  assert.match(
    wrongArch.stderr,
    /tensor 'conv2.weight' is \[32, 32, 3, 3\] but a cnn .* needs \[64, 32, 3, 3\]/,
  );
  const cut = path.join(tmp, 'cut.safetensors');
  fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 5000));
  const truncated = cli('import', '--from', cut, '--out', path.join(tmp, 'z'));
  assert.match(
    truncated.stderr,
    new RegExp(`${cut}: not a valid safetensors file: .*(truncated|outside)`),
  );
  const over = cli('import', '--from', file, '--out', back);
  assert.match(over.stderr, new RegExp(`${back}: already holds a checkpoint`));
  const bogus = cli('import', '--from', file, '--shape', '6x5', '--out', path.join(tmp, 'w'));
  assert.match(bogus.stderr, /--shape must be HxWxC, e\.g\. 32x32x3/);

  // A checkpoint meets data of another shape: said in words, before any tensor work.
  const fm = cli(
    'eval',
    '--checkpoint',
    ckpt,
    '--data',
    'fashion-mnist',
    '--eps',
    '0.5',
    '--limit',
    '10',
  );
  assert.equal(fm.status, 1);
  assert.match(
    fm.stderr,
    new RegExp(`checkpoint ${ckpt} expects 6×5×3 images; fashion-mnist has 28×28×1`),
  );
});

test("densenet and inception: export, then import by the file's metadata, keeps every weight", async () => {
  for (const arch of ['densenet', 'inception'] as const) {
    const ckpt = path.join(tmp, arch);
    const built = buildModel(arch, { inputShape: [8, 8, 3], numClasses: 3, seed: 4 });
    await writeCheckpointFolder(ckpt, built.model, {
      arch,
      inputShape: [8, 8, 3],
      numClasses: 3,
      seed: 4,
    });
    const weights = built.model.getWeights().map((t) => Array.from(t.dataSync()));
    built.model.dispose();
    const file = path.join(tmp, `${arch}.safetensors`);
    const e = cli('export', '--checkpoint', ckpt, '--format', 'safetensors', '--out', file);
    assert.equal(e.status, 0, e.stderr);
    const back = path.join(tmp, `${arch}-back`);
    const i = cli('import', '--from', file, '--out', back);
    assert.equal(i.status, 0, i.stderr);
    const { loadCheckpoint } = await import('../../../src/engine/models/checkpoint');
    const c = await loadCheckpoint(back);
    assert.equal(c.arch, arch);
    assert.deepEqual(
      c.model.getWeights().map((t) => Array.from(t.dataSync())),
      weights,
      `${arch}: weights after the round trip`,
    );
    c.model.dispose();
  }
});

test(
  'import names a torch.save file and says how to write safetensors; export keeps an existing file',
  { skip: hasTorch ? false : 'no python3-torch' },
  () => {
    const pt = path.join(tmp, 'model.pt');
    execFileSync(PYTHON, [
      '-c',
      `import torch, sys; torch.save({'w': torch.zeros(2)}, sys.argv[1])`,
      pt,
    ]);
    const r = cli(
      'import',
      '--from',
      pt,
      '--model',
      'cnn',
      '--shape',
      '28x28x1',
      '--out',
      path.join(tmp, 'pt'),
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `${pt}: is a torch\\.save file \\(pickle\\), not safetensors: .*rfl_zoo\\.save_safetensors`,
      ),
    );
    const e = cli(
      'export',
      '--checkpoint',
      path.join(tmp, 'ckpt'),
      '--format',
      'safetensors',
      '--out',
      pt,
    );
    assert.match(e.stderr, new RegExp(`${pt}: already exists: remove it or choose another --out`));
  },
);
