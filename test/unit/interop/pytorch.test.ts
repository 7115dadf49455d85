/**
 * Models to and from PyTorch on real files, the PyTorch side included (Debian's python3-torch):
 * a checkpoint exported as safetensors gives the same logits in python/rfl_zoo.py's model, and a
 * torch model saved as safetensors gives the same logits here after `import`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/engine/backend/ladder';
import { ARCHS, buildModel, type ArchName } from '../../../src/engine/models/registry';
import { loadCheckpoint } from '../../../src/engine/models/checkpoint';
import { trainModel } from '../../../src/engine/train/trainModel';
import { loadDataset } from '../../../src/engine/formats/load';
import { encodeNpy, parseNpy } from '../../../src/engine/formats/npy';
import { makeRng } from '../../../src/engine/formats/rng';
import {
  exportCheckpointSafetensors,
  importSafetensors,
} from '../../../src/engine/interop/modelFiles';
import { decodeSafetensors } from '../../../src/engine/interop/safetensors';
import { writeCheckpointFolder } from '../../helpers/checkpoint';

const PYTHON = '/usr/bin/python3';
const hasTorch = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = hasTorch ? false : 'python3-torch is not installed (apt install python3-torch)';
const SIDE = path.join(__dirname, 'torch_side.py');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-torch-'));

/** Shapes that exercise the awkward cases: non-square, odd sizes, stride-2 'same' padding. */
/** Every arch of the zoo (python/rfl_zoo.py builds each), on shapes with odd sizes. */
const MIRRORED = ARCHS;
const SHAPES: Record<ArchName, [number, number, number]> = {
  mlp: [5, 6, 3],
  cnn: [28, 28, 1],
  vgg: [12, 8, 3],
  resnet: [12, 10, 3],
  'cnn-wide': [9, 11, 2],
  'resnet-deep': [9, 8, 3],
  densenet: [12, 10, 3],
  inception: [12, 9, 3],
};

before(async () => {
  await initBackend('wasm');
});

function nhwcToNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n!; i++)
    for (let y = 0; y < h!; y++)
      for (let z = 0; z < w!; z++)
        for (let k = 0; k < c!; k++)
          out[((i * c! + k) * h! + y) * w! + z] = x[((i * h! + y) * w! + z) * c! + k]!;
  return out;
}

/** Random inputs in [0,1] (NHWC here, NCHW for torch). */
function inputs(shape: [number, number, number], n: number, seed: number) {
  const rng = makeRng(seed);
  const x = Float32Array.from({ length: n * shape.reduce((a, b) => a * b, 1) }, () => rng.next());
  return { x, dims: [n, ...shape] };
}

function logitsOf(
  model: import('@tensorflow/tfjs-layers').LayersModel,
  x: Float32Array,
  dims: number[],
) {
  return tf.tidy(() => (model.predict(tf.tensor(x, dims)) as tf.Tensor).dataSync() as Float32Array);
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d / Math.max(scale, 1e-6);
}

/** A seeded, untrained checkpoint whose BatchNorm layers have distinct, non-trivial statistics. */
async function seededCheckpoint(arch: ArchName, dir: string): Promise<void> {
  const inputShape = SHAPES[arch];
  const built = buildModel(arch, { inputShape, numClasses: 7, seed: 11 });
  const rng = makeRng(5);
  for (const layer of built.model.layers) {
    if (layer.weights.length === 0) continue;
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        const name = layer.weights[i]!.name;
        const size = w.size;
        const u = (lo: number, hi: number) =>
          tf.tensor(
            Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.next()),
            w.shape,
          );
        if (/gamma/.test(name)) return u(0.5, 1.5);
        if (/moving_variance/.test(name)) return u(0.5, 2);
        if (/beta|moving_mean|bias/.test(name)) return u(-0.2, 0.2);
        return w;
      }),
    );
  }
  await writeCheckpointFolder(dir, built.model, { arch, inputShape, numClasses: 7, seed: 11 });
  built.model.dispose();
}

interface Job {
  op: 'logits' | 'make';
  arch: ArchName;
  file: string;
  inputs: string;
  out: string;
  shape?: number[];
  classes?: number;
  seed?: number;
}

function runTorch(jobs: Job[]): { arch: string; params: number }[] {
  const out = execFileSync(PYTHON, [SIDE, JSON.stringify(jobs)], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { arch: string; params: number });
}

const readNpy = (f: string) => parseNpy(fs.readFileSync(f), f).data as Float32Array;

test(
  'every zoo arch: checkpoint → safetensors → rfl_zoo in torch gives the same logits (cnn trained on Fashion-MNIST)',
  { skip },
  async () => {
    const jobs: Job[] = [];
    const ours = new Map<ArchName, Float32Array>();
    const params = new Map<ArchName, number>();
    for (const arch of MIRRORED) {
      const dir = path.join(tmp, `ckpt-${arch}`);
      let x: Float32Array;
      let dims: number[];
      if (arch === 'cnn') {
        await trainModel(
          {
            model: 'cnn',
            data: 'fashion-mnist',
            trainLimit: 256,
            testLimit: 64,
            epochs: 1,
            batchSize: 64,
            optimizer: 'adam',
            lr: 1e-3,
            seed: 3,
          },
          dir,
        );
        const test = await loadDataset('fashion-mnist', { split: 'test', limit: 16, seed: 1 });
        x = test.images;
        dims = [...test.shape];
      } else {
        await seededCheckpoint(arch, dir);
        ({ x, dims } = inputs(SHAPES[arch], 6, 9));
      }
      const file = path.join(tmp, `${arch}.safetensors`);
      const r = await exportCheckpointSafetensors(dir, file);
      params.set(arch, r.parameters);
      const ckpt = await loadCheckpoint(dir);
      ours.set(arch, logitsOf(ckpt.model, x, dims));
      ckpt.model.dispose();
      const xin = path.join(tmp, `${arch}-x.npy`);
      fs.writeFileSync(
        xin,
        encodeNpy(nhwcToNchw(x, dims), [dims[0]!, dims[3]!, dims[1]!, dims[2]!]),
      );
      jobs.push({ op: 'logits', arch, file, inputs: xin, out: path.join(tmp, `${arch}-y.npy`) });
    }
    const reports = runTorch(jobs);
    for (const [i, job] of jobs.entries()) {
      const theirs = readNpy(job.out);
      const d = maxRelDiff(theirs, ours.get(job.arch)!);
      assert.ok(d < 1e-4, `${job.arch}: torch logits differ from ours by ${d} (relative)`);
      // Trainable parameters: torch counts exactly what we exported (running stats excluded).
      assert.equal(reports[i]!.params, params.get(job.arch), `${job.arch} parameter count`);
    }
  },
);

test(
  'every zoo arch: torch model → safetensors → import gives the same logits here',
  { skip },
  async () => {
    const jobs: Job[] = MIRRORED.map((arch) => {
      const [h, w, c] = SHAPES[arch];
      const { x, dims } = inputs(SHAPES[arch], 5, 21);
      const xin = path.join(tmp, `in-${arch}-x.npy`);
      fs.writeFileSync(xin, encodeNpy(nhwcToNchw(x, dims), [dims[0]!, c, h, w]));
      fs.writeFileSync(path.join(tmp, `in-${arch}-x-nhwc.npy`), encodeNpy(x, dims));
      return {
        op: 'make',
        arch,
        shape: [c, h, w],
        classes: 4,
        seed: 13,
        file: path.join(tmp, `torch-${arch}.safetensors`),
        inputs: xin,
        out: path.join(tmp, `in-${arch}-y.npy`),
      };
    });
    runTorch(jobs);
    for (const job of jobs) {
      const dir = path.join(tmp, `imported-${job.arch}`);
      // The torch side's file carries no rfl metadata: arch and shape come from the options.
      assert.equal(
        decodeSafetensors(fs.readFileSync(job.file), job.file).metadata['rfl.arch'],
        undefined,
      );
      const m = await importSafetensors({
        from: job.file,
        arch: job.arch,
        inputShape: SHAPES[job.arch],
        out: dir,
      });
      assert.equal(m.numClasses, 4);
      const ckpt = await loadCheckpoint(dir);
      const xf = path.join(tmp, `in-${job.arch}-x-nhwc.npy`);
      const ours = logitsOf(ckpt.model, readNpy(xf), [5, ...SHAPES[job.arch]]);
      ckpt.model.dispose();
      const d = maxRelDiff(ours, readNpy(job.out));
      assert.ok(d < 1e-4, `${job.arch}: imported logits differ from torch's by ${d} (relative)`);
    }
  },
);
