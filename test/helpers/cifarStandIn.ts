/**
 * A stand-in for CIFAR-10 in its binary format (the real files cannot be downloaded here; users
 * bring them): data_batch_1..5.bin, test_batch.bin and batches.meta.txt, each record one label
 * byte then the red, green and blue 32×32 planes. Each class has its own colour and its own stripe
 * frequency under per-pixel noise, so a model can learn it and an accuracy above chance means the
 * pipeline carried the images and labels through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeRng } from '../../src/engine/formats/rng';
import { CIFAR10_CLASSES, CIFAR_RECORD } from '../../src/engine/formats/cifar';

function batch(n: number, seed: number): Uint8Array {
  const rng = makeRng(seed);
  const out = new Uint8Array(n * CIFAR_RECORD);
  for (let i = 0; i < n; i++) {
    const label = i % 10;
    const rec = i * CIFAR_RECORD;
    out[rec] = label;
    const colour = [(label * 37) % 256, (label * 91 + 40) % 256, (label * 53 + 90) % 256];
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const stripe = 40 * Math.sin(((label + 1) * Math.PI * (x + y)) / 32);
          const v = 0.6 * (colour[ch] as number) + 50 + stripe + 30 * rng.normal();
          out[rec + 1 + ch * 1024 + y * 32 + x] = Math.max(0, Math.min(255, Math.round(v)));
        }
  }
  return out;
}

/** Writes the stand-in into `dir` (perBatch records in each of the 5 training batches) and returns `cifar10:dir`. */
export function writeCifarStandIn(dir: string, perBatch: number, testN: number): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++)
    fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), batch(perBatch, b));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), batch(testN, 99));
  fs.writeFileSync(path.join(dir, 'batches.meta.txt'), CIFAR10_CLASSES.join('\n') + '\n\n');
  return `cifar10:${dir}`;
}
