/**
 * Malformed-input corpus (issue 9 part 2). Every case starts from a small VALID file made here
 * (IDX, CIFAR-10 batch, PNG/JPEG folder, .npy dataset folder, experiment file, checkpoint),
 * breaks it in one way, and runs it through the entry point a user reaches (loadDataset,
 * loadCheckpoint, checkExperimentFile, …). Each case asserts:
 *   - the error is ours (DataFormatError, or an experiment `file:line:col:` line), not a
 *     RangeError / TypeError from deep inside a typed array or tfjs;
 *   - its message names the file (absolute path) AND says what is wrong (a per-case pattern);
 *   - nothing previously written is lost: every file in the case folder (the broken input, its
 *     valid siblings and an earlier run's results) is byte-identical afterwards.
 * No blobs are checked in: the corpus is generated, so it documents itself.
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync, crc32 } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { initBackend } from '../../../src/engine/backend/ladder';
import { DataFormatError } from '../../../src/engine/formats/errors';
import { loadDataset } from '../../../src/engine/formats/load';
import { encodeNpy } from '../../../src/engine/formats/npy';
import { encodePng } from '../../../src/engine/formats/png';
import { writeDatasetFolder } from '../../../src/engine/formats/constructed';
import {
  loadCheckpoint,
  writeModelFiles,
  writeJsonAtomic,
} from '../../../src/engine/models/checkpoint';
import { buildModel } from '../../../src/engine/models/registry';
import { checkExperimentFile, checkExperimentPaths } from '../../../src/shared/experiment';
import type { Dataset } from '../../../src/engine/types';
import { cifarBatch, idxImages, idxLabels } from '../data/helpers';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-malformed-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let tried = 0;
const byGroup = new Map<string, number>();
after(() => {
  const groups = [...byGroup].map(([g, n]) => `${g} ${n}`).join(', ');
  console.log(`malformed inputs tried: ${tried} (${groups})`);
});

type Files = Record<string, Uint8Array | string | { symlink: string }>;

interface Case {
  name: string;
  /** Files relative to the case folder (written before the snapshot). */
  files: (dir: string) => Files;
  /** The user-facing entry point; throws (or returns error lines) on the broken input. */
  act: (dir: string) => Promise<unknown>;
  /** The file the message must name, relative to the case folder ('' = the folder itself). */
  file: string;
  problem: RegExp;
}

/** An earlier run's results beside every case: an input error must never touch them. */
const PREVIOUS: Files = {
  'runs/previous/metrics.json': '{"standardAcc": 0.91, "n": 1000}\n',
  'runs/previous/notes.txt': 'a day of compute\n',
};

function writeFiles(dir: string, files: Files): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) fs.symlinkSync(content.symlink, p);
    else fs.writeFileSync(p, content);
  }
}

/** Every file under `dir` (symlinks by target, not followed) → sha256 of its content. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out.set(p, `-> ${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) walk(p);
      else out.set(p, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function group(name: string, cases: Case[]): void {
  describe(name, () => {
    for (const c of cases) {
      test(c.name, async () => {
        tried++;
        byGroup.set(name, (byGroup.get(name) ?? 0) + 1);
        // <case>/in holds the input, <case>/runs an earlier run's results; both are snapshotted.
        const caseDir = path.join(root, `${name}-${tried}`.replace(/[^\w.-]+/g, '_'));
        const dir = path.join(caseDir, 'in');
        fs.mkdirSync(dir, { recursive: true });
        writeFiles(caseDir, PREVIOUS);
        writeFiles(dir, c.files(dir));
        const before = snapshot(caseDir);
        const file = c.file ? path.join(dir, c.file) : dir;
        let err: unknown;
        try {
          const r = await c.act(dir);
          // Experiment checks return their problems as `file:line:col: …` lines.
          if (Array.isArray(r) && r.length > 0) err = new Error((r as string[]).join('\n'));
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof Error, `${c.name}: expected an error, the input was accepted`);
        assert.ok(
          !['RangeError', 'TypeError', 'SyntaxError'].includes(err.name),
          `${c.name}: a raw ${err.name} escaped: ${err.message}`,
        );
        assert.ok(
          err.message.includes(file),
          `${c.name}: message does not name ${file}: ${err.message}`,
        );
        assert.match(err.message, c.problem, `${c.name}: the problem is not stated`);
        if (err instanceof DataFormatError) {
          assert.equal(err.file, file);
          assert.match(err.problem, c.problem);
        }
        assert.deepEqual(snapshot(caseDir), before, `${c.name}: files changed or were lost`);
      });
    }
  });
}

const put = (buf: Uint8Array, at: number, bytes: number[]): Buffer => {
  const b = Buffer.from(buf);
  b.set(bytes, at);
  return b;
};
const be32 = (n: number): number[] => [
  (n >>> 24) & 255,
  (n >>> 16) & 255,
  (n >>> 8) & 255,
  n & 255,
];

// ---- IDX ------------------------------------------------------------------------------------

const IMG = idxImages(3, 4, 5);
const LBL = idxLabels([1, 2, 3]);
const TI = 'train-images-idx3-ubyte';
const TL = 'train-labels-idx1-ubyte';
const mnist = (dir: string) => loadDataset(`mnist:${dir}`, { split: 'train' });

function idxCase(
  name: string,
  images: Uint8Array | undefined,
  labels: Uint8Array | undefined,
  file: string,
  problem: RegExp,
  gz = false,
): Case {
  return {
    name,
    files: () => ({
      ...(images ? { [TI + (gz ? '.gz' : '')]: images } : {}),
      ...(labels ? { [TL]: labels } : {}),
    }),
    act: mnist,
    file: file === 'img' ? TI + (gz ? '.gz' : '') : file === 'lbl' ? TL : file,
    problem,
  };
}

group('IDX', [
  ...[0, 1, 3].map((n) =>
    idxCase(
      `images truncated to ${n} bytes (inside the magic)`,
      IMG.subarray(0, n),
      LBL,
      'img',
      /truncated: file has \d+ bytes?, too short for the 16-byte IDX images header/,
    ),
  ),
  ...[4, 8, 15].map((n) =>
    idxCase(
      `images truncated to ${n} bytes (inside the header)`,
      IMG.subarray(0, n),
      LBL,
      'img',
      /truncated: file has \d+ bytes, too short/,
    ),
  ),
  ...[16, 17, 40, IMG.length - 1].map((n) =>
    idxCase(
      `images truncated to ${n} bytes (inside the pixels)`,
      IMG.subarray(0, n),
      LBL,
      'img',
      /truncated: header says 3 images of 4×5 \(76 bytes\) but file has \d+ bytes/,
    ),
  ),
  idxCase(
    'images with 5 junk bytes appended',
    Buffer.concat([IMG, Buffer.alloc(5)]),
    LBL,
    'img',
    /header says 3 images .* but file has 81 bytes \(5 extra\)/,
  ),
  ...[10, 30, gzipSync(IMG).length - 1].map((n) =>
    idxCase(
      `gzipped images cut at ${n} bytes`,
      gzipSync(IMG).subarray(0, n),
      LBL,
      'img',
      /truncated gzip data/,
      true,
    ),
  ),
  idxCase(
    'gzip magic followed by garbage',
    put(Buffer.alloc(40, 7), 0, [0x1f, 0x8b]),
    LBL,
    'img',
    /corrupt gzip data|truncated gzip data/,
    true,
  ),
  idxCase(
    'images file is a labels file (magic 0x801)',
    LBL,
    LBL,
    'img',
    /wrong magic number 0x00000801, expected 0x00000803 .*this is an IDX labels file/,
  ),
  idxCase(
    'images with 2-D magic 0x802',
    put(IMG, 0, be32(0x802)),
    LBL,
    'img',
    /wrong magic number 0x00000802, .*IDX file of 2 dimensions/,
  ),
  idxCase(
    'images with big-endian magic byte-swapped',
    put(IMG, 0, [3, 8, 0, 0]),
    LBL,
    'img',
    /wrong magic number 0x03080000/,
  ),
  idxCase(
    'images with float type 0x0D',
    put(IMG, 0, be32(0xd03)),
    LBL,
    'img',
    /wrong magic number 0x00000d03, expected 0x00000803/,
  ),
  idxCase(
    'a PNG renamed to an IDX file',
    encodePng(new Uint8Array(4), 2, 2, 1),
    LBL,
    'img',
    /wrong magic number 0x89504e47/,
  ),
  idxCase(
    'images header says height 0',
    put(IMG, 8, be32(0)),
    LBL,
    'img',
    /bad shape: header says images of 0×5/,
  ),
  idxCase(
    'images header says width 0',
    put(IMG, 12, be32(0)),
    LBL,
    'img',
    /bad shape: header says images of 4×0/,
  ),
  idxCase(
    'images header says one image more',
    put(IMG, 4, be32(4)),
    LBL,
    'img',
    /truncated: header says 4 images of 4×5/,
  ),
  idxCase(
    'images header says one image fewer',
    put(IMG, 4, be32(2)),
    idxLabels([1, 2]),
    'img',
    /header says 2 images .* \(20 extra\)/,
  ),
  idxCase(
    'images header says 2^32−1 images',
    put(IMG, 4, be32(0xffffffff)),
    LBL,
    'img',
    /truncated: header says 4294967295 images/,
  ),
  idxCase(
    'images header says 65536×65536 pixels',
    put(put(IMG, 8, be32(65536)), 12, be32(65536)),
    LBL,
    'img',
    /truncated: header says 3 images of 65536×65536/,
  ),
  idxCase(
    'images header swaps rows and columns (wrong dims)',
    put(put(IMG, 8, be32(5)), 12, be32(5)),
    LBL,
    'img',
    /truncated: header says 3 images of 5×5 \(91 bytes\)/,
  ),
  ...[0, 4, 7].map((n) =>
    idxCase(
      `labels truncated to ${n} bytes`,
      IMG,
      LBL.subarray(0, n),
      'lbl',
      /truncated: file has \d+ bytes?, too short for the 8-byte IDX labels header/,
    ),
  ),
  idxCase(
    'labels truncated inside the data',
    IMG,
    LBL.subarray(0, 10),
    'lbl',
    /truncated: header says 3 labels \(11 bytes\) but file has 10 bytes/,
  ),
  idxCase(
    'labels file is an images file',
    IMG,
    IMG,
    'lbl',
    /wrong magic number 0x00000803, expected 0x00000801 .*this is an IDX images file/,
  ),
  idxCase(
    'two labels for three images',
    IMG,
    idxLabels([1, 2]),
    'lbl',
    /label count 2 does not match image count 3/,
  ),
  idxCase(
    'label 10 with 10 classes',
    IMG,
    idxLabels([1, 10, 3]),
    'lbl',
    /label 10 at index 1 is not below the number of classes \(10\)/,
  ),
  idxCase('label 255', IMG, idxLabels([255, 2, 3]), 'lbl', /label 255 at index 0 is not below/),
  idxCase(
    'zero images and zero labels',
    idxImages(0, 4, 5),
    idxLabels([]),
    'img',
    /contains no images/,
  ),
  idxCase('labels file missing', IMG, undefined, '', /not found: expected train-labels-idx1-ubyte/),
  idxCase('images file missing', undefined, LBL, '', /not found: expected train-images-idx3-ubyte/),
  {
    name: 'images path is a folder',
    files: () => ({ [`${TI}/x`]: 'x', [TL]: LBL }),
    act: mnist,
    file: TI,
    problem: /is a folder, expected a file/,
  },
  {
    name: 'images are a dangling symlink',
    files: (d) => ({ [TI]: { symlink: path.join(d, 'gone') }, [TL]: LBL }),
    act: mnist,
    file: '',
    problem: /not found: expected train-images-idx3-ubyte/,
  },
]);

// ---- CIFAR-10 ---------------------------------------------------------------------------------

const CIF = cifarBatch([3, 1]);
/** CIFAR-100 binary: coarse label, fine label, 3072 pixels; 3073 records make a multiple of 3073 bytes. */
const cifar100 = (n: number): Buffer => {
  const b = Buffer.alloc(n * 3074, 128);
  for (let r = 0; r < n; r++) b.set([15, 50], r * 3074);
  return b;
};
const cifar = (dir: string) => loadDataset(`cifar10:${dir}`, { split: 'train' });
const cifarCase = (name: string, bytes: Uint8Array, problem: RegExp, extra: Files = {}): Case => ({
  name,
  files: () => ({ 'data_batch_1.bin': bytes, ...extra }),
  act: cifar,
  file: 'data_batch_1.bin',
  problem,
});

group('CIFAR-10', [
  cifarCase('empty batch file', new Uint8Array(0), /empty file, expected CIFAR-10 records/),
  ...[1, 1000, 3072, 3074, 2 * 3073 - 1].map((n) =>
    cifarCase(
      `batch truncated to ${n} bytes`,
      CIF.subarray(0, n),
      /is not a multiple of 3073 .*(truncated, or not CIFAR-10 binary\?)/,
    ),
  ),
  cifarCase(
    'batch with one junk byte appended',
    Buffer.concat([CIF, Buffer.alloc(1)]),
    /size 6147 bytes is not a multiple of 3073 .*: 2 whole records and 1 bytes left over/,
  ),
  cifarCase(
    'CIFAR-100 records (2 label bytes, 3074 per record)',
    cifar100(3073),
    /record 0 \(byte offset 0\) has label 15, not below 10 classes .*CIFAR-100/,
  ),
  cifarCase(
    'label 10 in the second record',
    put(CIF, 3073, [10]),
    /record 1 \(byte offset 3073\) has label 10, not below 10 classes/,
  ),
  cifarCase(
    'label 255 in the first record',
    put(CIF, 0, [255]),
    /record 0 \(byte offset 0\) has label 255/,
  ),
  cifarCase('an IDX file renamed to a CIFAR batch', IMG, /size 76 bytes is not a multiple of 3073/),
  {
    name: 'batches.meta.txt lists 9 class names',
    files: () => ({ 'data_batch_1.bin': CIF, 'batches.meta.txt': 'a\nb\nc\nd\ne\nf\ng\nh\ni\n' }),
    act: cifar,
    file: 'batches.meta.txt',
    problem: /lists 9 class names, expected 10/,
  },
  {
    name: 'batches.meta.txt lists 11 class names',
    files: () => ({
      'data_batch_1.bin': CIF,
      'batches.meta.txt': 'abcdefghijk'.split('').join('\n'),
    }),
    act: cifar,
    file: 'batches.meta.txt',
    problem: /lists 11 class names, expected 10/,
  },
  {
    name: 'no batch files at all',
    files: () => ({ 'readme.html': 'x' }),
    act: cifar,
    file: '',
    problem: /not found: expected data_batch_1\.bin.*CIFAR-10 binary, train split/,
  },
  {
    name: 'test split asked, only training batches present',
    files: () => ({ 'data_batch_1.bin': CIF }),
    act: (dir) => loadDataset(`cifar10:${dir}`, { split: 'test' }),
    file: '',
    problem: /not found: expected test_batch\.bin/,
  },
  {
    name: 'second batch of two truncated',
    files: () => ({ 'data_batch_1.bin': CIF, 'data_batch_2.bin': CIF.subarray(0, 5000) }),
    act: cifar,
    file: 'data_batch_2.bin',
    problem: /size 5000 bytes is not a multiple of 3073/,
  },
]);

// ---- image folders ------------------------------------------------------------------------------

const rgbPng = (h: number, w: number, seed = 1): Buffer =>
  encodePng(
    Uint8Array.from({ length: h * w * 3 }, (_, i) => (i * 37 + seed * 11) % 256),
    h,
    w,
    3,
  );
const PNG4 = rgbPng(4, 4);
/** Rewrites IHDR fields and its CRC, so only the field (not the checksum) is wrong. */
function ihdr(
  b: Buffer,
  patch: {
    depth?: number;
    colorType?: number;
    interlace?: number;
    width?: number;
    height?: number;
  },
): Buffer {
  const c = Buffer.from(b);
  if (patch.width !== undefined) c.writeUInt32BE(patch.width, 16);
  if (patch.height !== undefined) c.writeUInt32BE(patch.height, 20);
  if (patch.depth !== undefined) c[24] = patch.depth;
  if (patch.colorType !== undefined) c[25] = patch.colorType;
  if (patch.interlace !== undefined) c[28] = patch.interlace;
  c.writeUInt32BE(crc32(c.subarray(12, 29)) >>> 0, 29);
  return c;
}
const JPG = Buffer.from(jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(64, 120) }, 90).data);
const folder = (dir: string) => loadDataset(`folder:${dir}`, { split: 'train' });
const imageCase = (
  name: string,
  bad: Uint8Array | string,
  problem: RegExp,
  badName = 'cat/2.png',
): Case => ({
  name,
  files: () => ({ 'cat/1.png': PNG4, 'dog/1.png': rgbPng(4, 4, 2), [badName]: bad }),
  act: folder,
  file: badName,
  problem,
});

group('image folders', [
  imageCase(
    'an image of another size in the same class',
    rgbPng(5, 4),
    /image is 4×5 but .*1\.png is 4×4: all images must share one size/,
  ),
  imageCase(
    'an image of another size in another class',
    rgbPng(4, 8),
    /image is 8×4 but .* is 4×4/,
    'dog/2.png',
  ),
  imageCase('a 1×1 image among 4×4 ones', rgbPng(1, 1), /image is 1×1 but .* is 4×4/),
  ...[8, 20, 33, 45, PNG4.length - 12, PNG4.length - 1].map((n) =>
    imageCase(`PNG truncated to ${n} bytes`, PNG4.subarray(0, n), /truncated PNG/),
  ),
  imageCase(
    'PNG with a corrupt IHDR checksum',
    put(PNG4, 30, [PNG4[30]! ^ 0xff]),
    /corrupt PNG: checksum \(CRC\) of chunk 'IHDR'/,
  ),
  imageCase(
    'PNG with a corrupt IDAT byte',
    put(PNG4, 45, [PNG4[45]! ^ 0xff]),
    /corrupt PNG: checksum \(CRC\) of chunk 'IDAT'/,
  ),
  ...[1, 5, 7, 9].map((ct) =>
    imageCase(
      `PNG mode: colour type ${ct}`,
      ihdr(PNG4, { colorType: ct }),
      new RegExp(`unsupported PNG mode: colour type ${ct} does not exist`),
    ),
  ),
  ...(
    [
      [3, 0],
      [4, 2],
      [2, 4],
      [4, 6],
      [16, 3],
      [32, 0],
    ] as const
  ).map(([depth, ct]) =>
    imageCase(
      `PNG mode: ${depth}-bit colour type ${ct}`,
      ihdr(PNG4, { depth, colorType: ct }),
      new RegExp(`unsupported PNG mode: ${depth}-bit .* is not a valid combination`),
    ),
  ),
  imageCase(
    'PNG with interlace method 2',
    ihdr(PNG4, { interlace: 2 }),
    /unsupported PNG mode: unknown .*interlace/,
  ),
  imageCase('PNG header says 0×4', ihdr(PNG4, { width: 0 }), /bad PNG size 0×4/),
  imageCase(
    'PNG header says 100000×100000',
    ihdr(PNG4, { width: 100_000, height: 100_000 }),
    /larger than the 50 MP/,
  ),
  imageCase(
    'PNG header grayscale over RGB data (wrong mode)',
    ihdr(PNG4, { colorType: 0 }),
    /corrupt PNG data, cannot decode/,
  ),
  imageCase(
    'PNG signature, then text',
    Buffer.concat([PNG4.subarray(0, 8), Buffer.from('hello world, not chunks')]),
    /corrupt PNG|truncated PNG/,
  ),
  ...[3, JPG.length / 2, JPG.length - 2].map((n) =>
    imageCase(
      `JPEG truncated to ${Math.floor(n)} bytes`,
      JPG.subarray(0, Math.floor(n)),
      /truncated JPEG: no end-of-image marker/,
      'cat/2.jpg',
    ),
  ),
  imageCase(
    'JPEG markers, then garbage',
    Buffer.concat([JPG.subarray(0, 4), Buffer.alloc(50, 0x42), Buffer.from([0xff, 0xd9])]),
    /corrupt JPEG data, cannot decode/,
    'cat/2.jpg',
  ),
  imageCase(
    'a text file named .png',
    'just text',
    /not a PNG or JPEG file \(unrecognised signature\)/,
  ),
  imageCase('an empty .png', new Uint8Array(0), /not a PNG or JPEG file/),
  imageCase(
    'a GIF named .png',
    Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
    /not a PNG or JPEG file/,
  ),
  {
    name: 'no class subfolders',
    files: () => ({ '1.png': PNG4 }),
    act: folder,
    file: '',
    problem: /no class subfolders/,
  },
  {
    name: 'class folders without images',
    files: () => ({ 'cat/readme.txt': 'x', 'dog/.hidden.png': PNG4 }),
    act: folder,
    file: '',
    problem: /no PNG or JPEG images in the class folders/,
  },
  {
    name: 'test split asked of a folder without one',
    files: () => ({ 'cat/1.png': PNG4 }),
    act: (dir) => loadDataset(`folder:${dir}`, { split: 'test' }),
    file: '',
    problem: /no test\/ subfolder/,
  },
  {
    name: 'an image that is a dangling symlink',
    files: (d) => ({ 'cat/1.png': PNG4, 'cat/2.png': { symlink: path.join(d, 'nowhere.png') } }),
    act: folder,
    file: 'cat/2.png',
    problem: /broken symlink: its target .*nowhere\.png does not exist/,
  },
  {
    name: 'a class folder that is a symlink loop',
    files: () => ({ 'cat/1.png': PNG4, dog: { symlink: 'dog' } }),
    act: folder,
    file: 'dog',
    problem: /broken symlink: its target dog cannot be read \(too many levels of symbolic links/,
  },
]);

// ---- .npy dataset folders -----------------------------------------------------------------------

const N = 3;
const imgsF = Float32Array.from({ length: N * 2 * 2 }, (_, i) => (i % 9) / 9);
const IMGS = encodeNpy(imgsF, [N, 2, 2, 1]);
const LABS = encodeNpy(Int32Array.from([0, 1, 2]), [N]);
const npyDir = (dir: string) => loadDataset(`npy:${dir}?classes=3`, { split: 'train' });
/** A .npy with a hand-written header dict (numpy's framing, our padding). */
function npyWith(dict: string, data: Uint8Array, major = 1): Buffer {
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const text = dict + ' '.repeat(pad) + '\n';
  const head = Buffer.alloc(major === 1 ? 10 : 12);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = major;
  if (major === 1) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1'), data]);
}
const dictOf = (descr: string, shape: number[], fortran = false) =>
  `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
const npyCase = (
  name: string,
  images: Uint8Array,
  problem: RegExp,
  labels: Uint8Array = LABS,
  file = 'images.npy',
): Case => ({
  name,
  files: () => ({ 'images.npy': images, 'labels.npy': labels }),
  act: npyDir,
  file,
  problem,
});
const raw = (n: number, size: number) => new Uint8Array(n * size);

group('npy', [
  npyCase(
    'images of dtype int32',
    encodeNpy(new Int32Array(12), [N, 2, 2, 1]),
    /wrong dtype int32: images must be uint8 \(0\.\.255\), bool, or float/,
  ),
  npyCase(
    'images of dtype int64',
    npyWith(dictOf('<i8', [N, 2, 2, 1]), raw(12, 8)),
    /wrong dtype int64: images must be uint8/,
  ),
  npyCase(
    'big-endian float32 images',
    npyWith(dictOf('>f4', [N, 2, 2, 1]), raw(12, 4)),
    /unsupported dtype '>f4'/,
  ),
  npyCase(
    'uint16 images',
    npyWith(dictOf('<u2', [N, 2, 2, 1]), raw(12, 2)),
    /unsupported dtype '<u2'/,
  ),
  npyCase(
    'byte-string images',
    npyWith(dictOf('|S3', [N, 2, 2, 1]), raw(12, 3)),
    /unsupported dtype '\|S3'/,
  ),
  npyCase(
    'object array (pickled)',
    npyWith(dictOf('|O', [N]), raw(N, 8)),
    /unsupported dtype '\|O'/,
  ),
  npyCase(
    'structured dtype',
    npyWith("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", raw(3, 4)),
    /structured arrays .* not supported/,
  ),
  npyCase(
    'float32 labels',
    IMGS,
    /wrong dtype float32: labels must be integers/,
    encodeNpy(Float32Array.from([0, 1, 2]), [N]),
    'labels.npy',
  ),
  npyCase(
    '2-D images',
    encodeNpy(imgsF, [N, 4]),
    /bad shape \(3, 4\): expected \(n, height, width, channels\) NHWC/,
  ),
  npyCase('5-D images', encodeNpy(imgsF, [N, 2, 2, 1, 1]), /bad shape \(3, 2, 2, 1, 1\)/),
  npyCase('1-D images', encodeNpy(imgsF, [12]), /bad shape \(12\)/),
  npyCase(
    '0-D images (a scalar)',
    npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", raw(1, 4)),
    /bad shape \(\)/,
  ),
  npyCase(
    'zero-width images',
    encodeNpy(new Float32Array(0), [N, 2, 0, 1]),
    /bad shape \(3, 2, 0, 1\)/,
  ),
  npyCase(
    'zero images',
    encodeNpy(new Float32Array(0), [0, 2, 2, 1]),
    /contains no images/,
    encodeNpy(new Int32Array(0), [0]),
  ),
  npyCase(
    '2-D labels',
    IMGS,
    /bad shape \(3, 1\): labels must be 1-D/,
    encodeNpy(Int32Array.from([0, 1, 2]), [N, 1]),
    'labels.npy',
  ),
  npyCase(
    'fewer labels than images',
    IMGS,
    /label count 2 does not match image count 3/,
    encodeNpy(Int32Array.from([0, 1]), [2]),
    'labels.npy',
  ),
  npyCase(
    'negative label',
    IMGS,
    /label -1 at index 1 is not in \[0, 3\)/,
    encodeNpy(Int32Array.from([0, -1, 2]), [N]),
    'labels.npy',
  ),
  npyCase(
    'int64 label beyond int32',
    IMGS,
    /int64 value 4294967296 at index 0 does not fit in int32/,
    npyWith(dictOf('<i8', [N]), new Uint8Array(new BigInt64Array([2n ** 32n, 0n, 1n]).buffer)),
    'labels.npy',
  ),
  npyCase(
    'wrong magic bytes',
    put(IMGS, 0, [0x94]),
    /wrong magic bytes 94 4e 55 4d 50 59, .*not a \.npy file/,
  ),
  npyCase('a PNG named images.npy', PNG4, /wrong magic bytes 89 50 4e 47/),
  npyCase(
    'truncated inside the magic',
    IMGS.subarray(0, 6),
    /truncated: 6 bytes, too short for a \.npy header/,
  ),
  npyCase('format version 4.0', put(IMGS, 6, [4]), /unsupported \.npy format version 4\.0/),
  npyCase('format version 1.1', put(IMGS, 7, [1]), /unsupported \.npy format version 1\.1/),
  npyCase(
    'header length past the end',
    put(IMGS, 8, [0xff, 0xff]),
    /truncated: header length 65535 runs past the end of the file/,
  ),
  npyCase(
    'v2 header length past the end',
    put(npyWith(dictOf('<f4', [N, 2, 2, 1]), Buffer.from(imgsF.buffer), 2), 8, [0, 0, 0, 1]),
    /truncated: header length 16777216 runs past the end/,
  ),
  npyCase(
    'header without descr',
    npyWith("{'fortran_order': False, 'shape': (3, 2, 2, 1), }", Buffer.from(imgsF.buffer)),
    /bad \.npy header .*no 'descr' string/,
  ),
  npyCase(
    'header without shape',
    npyWith("{'descr': '<f4', 'fortran_order': False, }", Buffer.from(imgsF.buffer)),
    /bad \.npy header .*no 'shape' tuple/,
  ),
  npyCase(
    'header without fortran_order',
    npyWith("{'descr': '<f4', 'shape': (3, 2, 2, 1), }", Buffer.from(imgsF.buffer)),
    /no 'fortran_order' True\/False/,
  ),
  npyCase(
    'header shape with a negative entry',
    npyWith(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3, -2, 2, 1), }",
      Buffer.from(imgsF.buffer),
    ),
    /shape entry '-2' is not a non-negative integer/,
  ),
  npyCase(
    'header shape with a name',
    npyWith(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (n, 2, 2, 1), }",
      Buffer.from(imgsF.buffer),
    ),
    /shape entry 'n' is not a non-negative integer/,
  ),
  npyCase(
    'header is not a dict',
    npyWith("['descr', '<f4']", Buffer.from(imgsF.buffer)),
    /bad \.npy header .*not a dict literal/,
  ),
  npyCase(
    'header bytes overwritten with zeros',
    put(IMGS, 10, new Array<number>(20).fill(0)),
    /bad \.npy header/,
  ),
  npyCase(
    'fortran-order images',
    npyWith(dictOf('<f4', [N, 2, 2, 1], true), Buffer.from(imgsF.buffer)),
    /fortran_order is True: only C-order arrays are supported/,
  ),
  npyCase(
    'fortran-order 2-D labels',
    IMGS,
    /fortran_order is True/,
    npyWith(dictOf('<i4', [N, 2], true), raw(6, 4)),
    'labels.npy',
  ),
  ...[1, 4, 47].map((cut) =>
    npyCase(
      `images data cut by ${cut} bytes`,
      IMGS.subarray(0, IMGS.length - cut),
      new RegExp(
        `truncated: shape \\(3, 2, 2, 1\\) of <f4 needs 48 bytes of data but the file has ${48 - cut} bytes?`,
      ),
    ),
  ),
  npyCase(
    'images data with 3 extra bytes',
    Buffer.concat([IMGS, Buffer.alloc(3)]),
    /needs 48 bytes of data but the file has 51 bytes \(3 extra\)/,
  ),
  npyCase(
    'labels truncated',
    IMGS,
    /truncated: shape \(3\) of <i4 needs 12 bytes/,
    LABS.subarray(0, LABS.length - 2),
    'labels.npy',
  ),
  ...(
    [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
      [1.5, '1.5, outside \\[0, 1\\]'],
      [-0.25, '-0.25, outside \\[0, 1\\]'],
    ] as const
  ).map(([v, says]) => {
    const px = Float32Array.from(imgsF);
    px[6] = v;
    return npyCase(
      `pixel ${String(v)} in float32 images`,
      encodeNpy(px, [N, 2, 2, 1]),
      new RegExp(`pixel 6 \\(image 1\\) is ${says}`),
    );
  }),
  {
    name: 'images.npy missing',
    files: () => ({ 'labels.npy': LABS }),
    act: npyDir,
    file: 'images.npy',
    problem: /no such file or folder/,
  },
  {
    name: 'labels.npy missing',
    files: () => ({ 'images.npy': IMGS }),
    act: npyDir,
    file: 'labels.npy',
    problem: /no such file or folder/,
  },
  {
    name: 'images.npy is a symlink loop',
    files: () => ({
      'images.npy': { symlink: 'loop.npy' },
      'loop.npy': { symlink: 'images.npy' },
      'labels.npy': LABS,
    }),
    act: npyDir,
    file: 'images.npy',
    problem: /symbolic links \(a symlink loop\)/,
  },
  {
    name: 'images.npy is a dangling symlink',
    files: (d) => ({
      'images.npy': { symlink: path.join(d, 'moved-away.npy') },
      'labels.npy': LABS,
    }),
    act: npyDir,
    file: 'images.npy',
    problem: /no such file or folder/,
  },
]);

// ---- constructed-dataset manifests --------------------------------------------------------------

const goodManifest = {
  format: 'rfl-dataset',
  version: 1,
  shape: [N, 2, 2, 1],
  dtype: 'float32',
  numClasses: 3,
};
const manifestCase = (
  name: string,
  manifest: string | object,
  problem: RegExp,
  file = 'manifest.json',
): Case => ({
  name,
  files: () => ({
    'images.npy': IMGS,
    'labels.npy': LABS,
    'manifest.json': typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  }),
  act: (dir: string) => loadDataset(`npy:${dir}`, { split: 'train' }),
  file,
  problem,
});

group('dataset manifests', [
  manifestCase('manifest is not JSON', '{"format": "rfl-dataset", ', /not valid JSON/),
  manifestCase('manifest is empty', '', /not valid JSON/),
  manifestCase('manifest is an array', '[1, 2]', /not a JSON object/),
  manifestCase('manifest is null', 'null', /not a JSON object/),
  manifestCase(
    'wrong format',
    { ...goodManifest, format: 'npz' },
    /format is "npz", expected "rfl-dataset"/,
  ),
  manifestCase(
    'future version',
    { ...goodManifest, version: 2 },
    /unsupported version 2 \(this build reads 1\)/,
  ),
  manifestCase(
    'numClasses 0',
    { ...goodManifest, numClasses: 0 },
    /numClasses must be a positive integer/,
  ),
  manifestCase(
    'numClasses a string',
    { ...goodManifest, numClasses: '3' },
    /numClasses must be a positive integer/,
  ),
  manifestCase(
    'shape of 3 entries',
    { ...goodManifest, shape: [N, 2, 2] },
    /shape must be \[n, height, width, channels\] .*got \[3,2,2\]/,
  ),
  manifestCase(
    'shape with a fraction',
    { ...goodManifest, shape: [N, 2.5, 2, 1] },
    /shape must be \[n, height, width, channels\]/,
  ),
  manifestCase(
    'dtype float64',
    { ...goodManifest, dtype: 'float64' },
    /dtype must be "uint8" or "float32", got "float64"/,
  ),
  manifestCase(
    'classNames too short',
    { ...goodManifest, classNames: ['a', 'b'] },
    /classNames must be numClasses strings/,
  ),
  manifestCase(
    'classNames not strings',
    { ...goodManifest, classNames: [1, 2, 3] },
    /classNames must be numClasses strings/,
  ),
  manifestCase(
    'manifest shape disagrees with images.npy',
    { ...goodManifest, shape: [N, 3, 3, 1] },
    /holds float32 \(3, 2, 2, 1\) but manifest\.json says float32 \(3, 3, 3, 1\)/,
    'images.npy',
  ),
  manifestCase(
    'manifest dtype disagrees with images.npy',
    { ...goodManifest, dtype: 'uint8' },
    /holds float32 .* but manifest\.json says uint8/,
    'images.npy',
  ),
  manifestCase(
    'manifest numClasses below a label',
    { ...goodManifest, numClasses: 2 },
    /label 2 at index 2 is not in \[0, 2\)/,
    'labels.npy',
  ),
]);

// ---- writing a bad dataset over a good one ------------------------------------------------------

/** writeDatasetFolder refuses bad data BEFORE touching the folder: the earlier dataset stays. */
const overwriteCase = (name: string, edit: (d: Dataset) => void, problem: RegExp): Case => ({
  name,
  files: () => ({
    'images.npy': IMGS,
    'labels.npy': LABS,
    'manifest.json': JSON.stringify(goodManifest),
  }),
  act: async (dir) => {
    const d: Dataset = {
      images: Float32Array.from(imgsF),
      labels: Int32Array.from([0, 1, 2]),
      shape: [N, 2, 2, 1],
      numClasses: 3,
      source: 'test',
    };
    edit(d);
    await writeDatasetFolder(dir, d, { dtype: 'float32' });
  },
  file: 'images.npy',
  problem,
});

group('dataset writes', [
  overwriteCase(
    'NaN pixel (a diverged attack)',
    (d) => (d.images[5] = NaN),
    /pixel 5 \(image 1\) is NaN/,
  ),
  overwriteCase(
    'infinite pixel',
    (d) => (d.images[0] = Infinity),
    /pixel 0 \(image 0\) is Infinity/,
  ),
  overwriteCase(
    'pixel above 1',
    (d) => (d.images[11] = 1.0001),
    /pixel 11 \(image 2\) is 1\.000\d+, outside \[0, 1\]/,
  ),
  overwriteCase(
    'label out of range',
    (d) => (d.labels[2] = 3),
    /label 3 at index 2 is not in \[0, 3\)/,
  ),
  overwriteCase(
    'shape disagrees with the pixel count',
    (d) => (d.shape = [N, 2, 3, 1]),
    /shape \[3, 2, 3, 1\] needs 18 pixels, images has 12/,
  ),
  overwriteCase(
    'fewer labels than images',
    (d) => (d.labels = Int32Array.from([0, 1])),
    /label count 2 does not match image count 3/,
  ),
]);

// ---- experiment files ---------------------------------------------------------------------------

const EXP = 'exp.rfl.json';
const valid = { name: 'x', steps: [{ type: 'train', out: 'std' }] };
const expCase = (name: string, text: string | object, problem: RegExp): Case => ({
  name,
  files: () => ({ [EXP]: typeof text === 'string' ? text : JSON.stringify(text, null, 2) }),
  act: (dir) => Promise.resolve(checkExperimentFile(path.join(dir, EXP)).errors),
  file: EXP,
  problem,
});
const step = (s: object) => ({ name: 'x', steps: [s] });

group('experiment files', [
  expCase('empty file', '', /:1:1: empty file, expected an experiment object/),
  expCase('only a comment', '// nothing here\n', /JSON syntax|missing required property 'name'/),
  expCase('unclosed object', '{"name": "x", "steps": [', /:1:\d+: JSON syntax: /),
  expCase(
    'junk after the object',
    '{"name": "x", "steps": [{"type": "train", "out": "a"}]} junk',
    /JSON syntax/,
  ),
  expCase('a top-level array', '[1, 2]', /must be object/),
  expCase('missing name', { steps: valid.steps }, /experiment: missing required property 'name'/),
  expCase('missing steps', { name: 'x' }, /missing required property 'steps'/),
  expCase('no steps', { name: 'x', steps: [] }, /steps: must NOT have fewer than 1 items/),
  expCase(
    'name with a space',
    { ...valid, name: 'my run' },
    /name: must start with a letter or digit/,
  ),
  expCase(
    'name with a slash',
    { ...valid, name: '../x' },
    /name: must start with a letter or digit/,
  ),
  expCase('unknown top-level property', { ...valid, epochs: 3 }, /unknown property 'epochs'/),
  expCase(
    'unknown step type',
    step({ type: 'finetune', out: 'a' }),
    /steps\.0: 'type' must be one of "train"/,
  ),
  expCase('step without type', step({ out: 'a' }), /steps\.0: missing required property 'type'/),
  expCase(
    'train step without out',
    step({ type: 'train' }),
    /steps\.0: missing required property 'out'/,
  ),
  expCase(
    'unknown model',
    step({ type: 'train', out: 'a', model: 'resnet50' }),
    /steps\.0\.model: must be one of "mlp", "cnn", "resnet", "vgg", "densenet", "inception", "cnn-wide", "resnet-deep"/,
  ),
  // Written with 2-space indentation: "epochs" sits on line 7, column 17 (its value).
  expCase(
    'epochs 0',
    step({ type: 'train', out: 'a', epochs: 0 }),
    /exp\.rfl\.json:7:17: steps\.0\.epochs: must be >= 1/,
  ),
  expCase(
    'epochs 1.5',
    step({ type: 'train', out: 'a', epochs: 1.5 }),
    /steps\.0\.epochs: must be integer/,
  ),
  expCase(
    'negative learning rate',
    step({ type: 'train', out: 'a', lr: -0.1 }),
    /steps\.0\.lr: must be > 0/,
  ),
  expCase(
    'norm l1',
    { ...valid, threatModel: { norm: 'l1', eps: 1 } },
    /threatModel\.norm: must be one of "l2", "linf"/,
  ),
  expCase(
    'eps 0',
    { ...valid, threatModel: { norm: 'l2', eps: 0 } },
    /threatModel\.eps: must be > 0/,
  ),
  expCase(
    'eps as a string',
    { ...valid, threatModel: { norm: 'l2', eps: '0.5' } },
    /threatModel\.eps: must be number/,
  ),
  expCase(
    'evaluate eps negative',
    step({ type: 'evaluate', checkpoint: 'a', eps: [0.5, -1] }),
    /steps\.0\.eps\.1: must be >= 0/,
  ),
  expCase(
    'evaluate eps empty',
    step({ type: 'evaluate', checkpoint: 'a', eps: [] }),
    /steps\.0\.eps: must NOT have fewer than 1 items/,
  ),
  expCase(
    'construct without checkpoint',
    step({ type: 'construct', kind: 'robust', out: 'dr' }),
    /missing required property 'checkpoint'/,
  ),
  expCase(
    'construct kind unknown',
    step({ type: 'construct', kind: 'adv', checkpoint: 'a', out: 'd' }),
    /steps\.0\.kind: must be one of "robust"/,
  ),
  expCase(
    'out with a slash',
    step({ type: 'train', out: 'a/b' }),
    /steps\.0\.out: must be a folder name .*no slashes/,
  ),
  expCase(
    "out '..' (escapes the output folder)",
    step({ type: 'train', out: '..' }),
    /steps\.0\.out: must be a folder name .*not '\.' or '\.\.'/,
  ),
  expCase(
    'out absolute',
    step({ type: 'train', out: '/etc' }),
    /steps\.0\.out: must be a folder name/,
  ),
  expCase(
    'budgets.seed negative',
    { ...valid, budgets: { seed: -1 } },
    /budgets\.seed: must be >= 0/,
  ),
  expCase(
    'transfer step without source',
    step({ type: 'transfer', out: 't' }),
    /steps\.0: missing required property 'source'/,
  ),
  expCase(
    'theory config without eps',
    step({
      type: 'theory',
      out: 't',
      config: {
        dim: 2,
        muStar: [1, 0],
        sigmaStar: [
          [1, 0],
          [0, 1],
        ],
      },
    }),
    /steps\.0\.config: missing required property 'eps'/,
  ),
  expCase(
    'reproduce profile unknown',
    step({ type: 'reproduce', profile: 'huge' }),
    /steps\.0\.profile: must be one of "smoke", "quick", "full"/,
  ),
]);

// ---- paths outside the workspace ----------------------------------------------------------------

/** The workspace is `<case>/ws`; its runs folder `<case>/ws/runs`. */
const pathCase = (
  name: string,
  x: object,
  problem: RegExp,
  files: (d: string) => Files = () => ({}),
): Case => ({
  name,
  files: (d) => ({ [`ws/${EXP}`]: JSON.stringify(x), 'ws/runs/.keep': '', ...files(d) }),
  act: (dir) => {
    const file = path.join(dir, 'ws', EXP);
    const { experiment, errors } = checkExperimentFile(file);
    assert.deepEqual(errors, [], 'the file itself is valid');
    const ws = path.join(dir, 'ws');
    return Promise.resolve(
      checkExperimentPaths(experiment!, file, {
        fileDir: ws,
        workspaceDir: ws,
        runsFolder: path.join(ws, 'runs'),
      }),
    );
  },
  file: `ws/${EXP}`,
  problem,
});

group('paths', [
  pathCase(
    'output above the workspace',
    { ...valid, output: '../elsewhere' },
    /output '\.\.\/elsewhere' resolves to .*elsewhere, outside the workspace/,
  ),
  pathCase(
    'output absolute, outside',
    { ...valid, output: '/tmp' },
    /output '\/tmp' resolves to \/tmp, outside the workspace/,
  ),
  pathCase(
    'output through a symlink to outside',
    { ...valid, output: 'linked' },
    /output 'linked' goes through a symlink to .*outside, outside the workspace/,
    (d) => ({
      'outside/.keep': '',
      'ws/linked': { symlink: path.join(d, 'outside') },
    }),
  ),
  pathCase(
    'step folder through a symlink inside the output',
    { ...valid, output: 'out' },
    /steps\[0\]\.out .* goes through a symlink to .*outside/,
    (d) => ({
      'outside/.keep': '',
      'ws/out/std': { symlink: path.join(d, 'outside') },
    }),
  ),
  pathCase(
    'evaluate a checkpoint above the workspace',
    step({ type: 'evaluate', checkpoint: '../../secret-model' }),
    /steps\[0\]\.checkpoint '.*secret-model' resolves to .*, outside the workspace/,
  ),
  pathCase(
    'gradients of a robust checkpoint elsewhere',
    step({ type: 'gradients', standard: 'std', robust: '/etc', out: 'g' }),
    /steps\[0\]\.robust '\/etc' resolves to \/etc, outside/,
  ),
  pathCase(
    'transfer from a source above the workspace',
    step({ type: 'transfer', source: '../../model', out: 't' }),
    /steps\[0\]\.source '.*model' resolves to .*, outside the workspace/,
  ),
  pathCase(
    'construct from an absolute checkpoint elsewhere',
    step({ type: 'construct', kind: 'robust', checkpoint: '/etc', out: 'dr' }),
    /steps\[0\]\.checkpoint '\/etc' resolves to \/etc, outside/,
  ),
  pathCase(
    'checkpoint through a symlinked folder',
    step({ type: 'evaluate', checkpoint: 'models/std' }),
    /steps\[0\]\.checkpoint .* goes through a symlink to .*outside/,
    (d) => ({
      'outside/std/.keep': '',
      'ws/models': { symlink: path.join(d, 'outside') },
    }),
  ),
]);

// ---- checkpoints --------------------------------------------------------------------------------

let ckptFiles: Record<string, Buffer> = {};
let otherArch: Record<string, Buffer> = {};
before(async () => {
  await initBackend('wasm');
  // Real checkpoints, written by the product's own writer: an mlp for 4×4×1 inputs and 3 classes.
  const write = async (arch: 'mlp' | 'cnn', name: string): Promise<Record<string, Buffer>> => {
    const dir = path.join(root, name);
    const built = buildModel(arch, { inputShape: [4, 4, 1], numClasses: 3, seed: 1 });
    await writeModelFiles(dir, built.model);
    built.model.dispose();
    writeJsonAtomic(path.join(dir, 'manifest.json'), {
      kind: 'checkpoint',
      arch,
      inputShape: [4, 4, 1],
      numClasses: 3,
      dataset: 'npy:x',
      seed: 1,
    });
    return Object.fromEntries(
      ['model.json', 'weights.bin', 'manifest.json'].map((f) => [
        f,
        fs.readFileSync(path.join(dir, f)),
      ]),
    );
  };
  ckptFiles = await write('mlp', 'valid-mlp');
  otherArch = await write('cnn', 'valid-cnn');
});

type ModelJson = {
  modelTopology: unknown;
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype?: string }[];
  }[];
};
const modelJson = (): ModelJson => JSON.parse(ckptFiles['model.json']!.toString()) as ModelJson;
const manifestJson = (): Record<string, unknown> =>
  JSON.parse(ckptFiles['manifest.json']!.toString()) as Record<string, unknown>;
const ckptCase = (name: string, edit: () => Files, file: string, problem: RegExp): Case => ({
  name,
  files: () => {
    const files: Files = { ...ckptFiles, 'metrics.json': '{"standardAcc": 0.5}\n', ...edit() };
    for (const [k, v] of Object.entries(files)) if (v === '<delete>') delete files[k];
    return files;
  },
  act: (dir) => loadCheckpoint(dir),
  file,
  problem,
});
const w = () => ckptFiles['weights.bin']!;

group('checkpoints', [
  ckptCase(
    'model.json missing',
    () => ({ 'model.json': '<delete>' }),
    'model.json',
    /missing \(TF\.js model topology\)/,
  ),
  ckptCase(
    'weights.bin missing',
    () => ({ 'weights.bin': '<delete>' }),
    'weights.bin',
    /missing weights file named by .*model\.json/,
  ),
  ckptCase(
    'manifest.json missing',
    () => ({ 'manifest.json': '<delete>' }),
    'manifest.json',
    /missing \(checkpoint manifest\)/,
  ),
  ckptCase(
    'weights.bin truncated by 4 bytes',
    () => ({ 'weights.bin': w().subarray(0, w().length - 4) }),
    'weights.bin',
    /\d+ bytes, but .*model\.json describes \d+ bytes of float32 weights .*: truncated/,
  ),
  ckptCase(
    'weights.bin truncated to half',
    () => ({ 'weights.bin': w().subarray(0, w().length >> 1) }),
    'weights.bin',
    /\d+ bytes, but .*: truncated/,
  ),
  ckptCase(
    'weights.bin empty',
    () => ({ 'weights.bin': new Uint8Array(0) }),
    'weights.bin',
    /(^|: )0 bytes, but .*: truncated/,
  ),
  ckptCase(
    'weights.bin with extra bytes',
    () => ({ 'weights.bin': Buffer.concat([w(), Buffer.alloc(8)]) }),
    'weights.bin',
    /\d+ bytes, but .*describes \d+ bytes .*junk appended/,
  ),
  ckptCase(
    'weights of another architecture (cnn weights, mlp topology)',
    () => ({ 'weights.bin': otherArch['weights.bin']! }),
    'weights.bin',
    /bytes, but .*model\.json describes/,
  ),
  ckptCase(
    'topology of another architecture (cnn model.json, mlp weights)',
    () => ({ 'model.json': otherArch['model.json']! }),
    'weights.bin',
    /bytes, but .*model\.json describes/,
  ),
  ckptCase(
    'NaN weight',
    () => {
      const b = Buffer.from(w());
      b.writeFloatLE(NaN, 8);
      return { 'weights.bin': b };
    },
    'weights.bin',
    /weight '.*' holds NaN at element 2/,
  ),
  ckptCase(
    'infinite weight',
    () => {
      const b = Buffer.from(w());
      b.writeFloatLE(-Infinity, b.length - 4);
      return { 'weights.bin': b };
    },
    'weights.bin',
    /holds -Infinity at element/,
  ),
  ckptCase(
    'model.json not JSON',
    () => ({ 'model.json': ckptFiles['model.json']!.subarray(0, 100) }),
    'model.json',
    /not valid JSON \(TF\.js model topology\)/,
  ),
  ckptCase(
    'model.json without modelTopology',
    () => ({ 'model.json': JSON.stringify({ ...modelJson(), modelTopology: undefined }) }),
    'model.json',
    /not a TF\.js layers model/,
  ),
  ckptCase(
    'model.json is an array',
    () => ({ 'model.json': '[]' }),
    'model.json',
    /not a JSON object/,
  ),
  ckptCase(
    'weightsManifest entry without shape',
    () => {
      const m = modelJson();
      delete (m.weightsManifest[0]!.weights[0] as { shape?: number[] }).shape;
      return { 'model.json': JSON.stringify(m) };
    },
    'model.json',
    /weight entry without a name and a shape/,
  ),
  ckptCase(
    'weight of dtype int32',
    () => {
      const m = modelJson();
      m.weightsManifest[0]!.weights[0]!.dtype = 'int32';
      return { 'model.json': JSON.stringify(m) };
    },
    'model.json',
    /has dtype int32; checkpoints store float32/,
  ),
  ckptCase(
    'weights path climbing out of the folder',
    () => {
      const m = modelJson();
      m.weightsManifest[0]!.paths = ['../../etc/passwd'];
      return { 'model.json': JSON.stringify(m) };
    },
    'model.json',
    /weights path '\.\.\/\.\.\/etc\/passwd' points outside the checkpoint folder/,
  ),
  ckptCase(
    'weights path absolute',
    () => {
      const m = modelJson();
      m.weightsManifest[0]!.paths = ['/etc/hostname'];
      return { 'model.json': JSON.stringify(m) };
    },
    'model.json',
    /points outside the checkpoint folder/,
  ),
  ckptCase(
    'two kernels with swapped shapes (same byte count, mismatched layers)',
    () => {
      const m = modelJson();
      const ws = m.weightsManifest[0]!.weights;
      const k = ws.find((x) => x.shape.length === 2 && x.shape[0] !== x.shape[1])!;
      k.shape = [k.shape[1]!, k.shape[0]!];
      return { 'model.json': JSON.stringify(m) };
    },
    'model.json',
    /cannot be loaded \(weights do not match the topology\?\)/,
  ),
  ckptCase(
    'manifest.json not JSON',
    () => ({ 'manifest.json': '{"arch": ' }),
    'manifest.json',
    /not valid JSON \(checkpoint manifest\)/,
  ),
  ckptCase(
    'manifest arch unknown',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), arch: 'resnet50' }) }),
    'manifest.json',
    /arch is "resnet50", expected one of mlp, cnn, resnet, vgg/,
  ),
  ckptCase(
    'manifest inputShape of 2 entries',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), inputShape: [4, 4] }) }),
    'manifest.json',
    /inputShape must be \[height, width, channels\]/,
  ),
  ckptCase(
    'manifest numClasses 1',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), numClasses: 1 }) }),
    'manifest.json',
    /numClasses must be an integer ≥ 2/,
  ),
  ckptCase(
    'manifest without dataset',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), dataset: undefined }) }),
    'manifest.json',
    /dataset .* is missing/,
  ),
  ckptCase(
    'manifest input shape disagrees with the model',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), inputShape: [28, 28, 1] }) }),
    'manifest.json',
    /says input 28×28×1 and 3 classes but model\.json has input 4×4×1 and 3 outputs/,
  ),
  ckptCase(
    'manifest class count disagrees with the model',
    () => ({ 'manifest.json': JSON.stringify({ ...manifestJson(), numClasses: 10 }) }),
    'manifest.json',
    /10 classes but model\.json has .* 3 outputs/,
  ),
  ckptCase(
    'weights.bin is a folder',
    () => ({ 'weights.bin': '<delete>', 'weights.bin/x': 'x' }),
    'weights.bin',
    /is a folder, expected a file/,
  ),
]);
