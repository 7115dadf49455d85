/**
 * Property: every parser, on any bytes (arbitrary, or a valid file with edits / truncation /
 * appended junk), either parses into a self-consistent result or throws DataFormatError —
 * never a RangeError, TypeError or anything else. RFL_FUZZ_RUNS sets runs per property; the
 * default is 2,000 locally and 10,000 under CI (RFL_CI=1, set by .ci/run), which makes
 * 110,000 cases there (issue 9 asks for at least 10,000) in well under a minute on 2 cores.
 * The file prints the number of cases it ran, per parser and in total.
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DataFormatError } from '../../../src/engine/formats/errors';
import { parseIdxImages, parseIdxLabels } from '../../../src/engine/formats/idx';
import { parseCifarBatch } from '../../../src/engine/formats/cifar';
import { encodeNpy, parseNpy } from '../../../src/engine/formats/npy';
import { decodeImage } from '../../../src/engine/formats/imageFolder';
import { encodePng } from '../../../src/engine/formats/png';
import * as jpeg from 'jpeg-js';
import { cifarBatch, idxImages, idxLabels } from './helpers';

const RUNS = Number(process.env.RFL_FUZZ_RUNS ?? (process.env.RFL_CI === '1' ? 10_000 : 2000));
/** Inputs actually handed to a parser, per property (counted in the property, not assumed). */
const cases = new Map<string, number>();
after(() => {
  const total = [...cases.values()].reduce((a, b) => a + b, 0);
  const each = [...cases].map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`fuzz cases: ${total} (${each})`);
});
const counted = (name: string, check: (b: Uint8Array) => void) => (b: Uint8Array) => {
  cases.set(name, (cases.get(name) ?? 0) + 1);
  check(b);
};

interface Mutation {
  edits: [number, number][];
  cut: number | undefined;
  extra: Uint8Array;
}

/** Edits biased toward the header (first 24 bytes), where parsers make their decisions. */
const mutation: fc.Arbitrary<Mutation> = fc.record({
  edits: fc.array(
    fc.tuple(fc.oneof(fc.nat({ max: 23 }), fc.nat()), fc.integer({ min: 0, max: 255 })),
    { maxLength: 4 },
  ),
  cut: fc.option(fc.oneof(fc.nat({ max: 40 }), fc.nat()), { nil: undefined }),
  extra: fc.uint8Array({ maxLength: 8 }),
});

function mutate(base: Uint8Array, m: Mutation): Uint8Array {
  const b = Uint8Array.from(base);
  for (const [pos, v] of m.edits) if (b.length) b[pos % b.length] = v;
  const cut = m.cut === undefined ? b.length : Math.min(m.cut, b.length);
  const out = new Uint8Array(cut + m.extra.length);
  out.set(b.subarray(0, cut));
  out.set(m.extra, cut);
  return out;
}

function parsesOrDataError(parse: (bytes: Uint8Array) => void): (bytes: Uint8Array) => void {
  return (bytes) => {
    try {
      parse(bytes);
    } catch (e) {
      if (!(e instanceof DataFormatError)) throw e;
      assert.equal(e.file, 'fuzz.bin');
      assert.ok(e.problem.length > 0);
    }
  };
}

function fuzz(
  name: string,
  parse: (bytes: Uint8Array) => void,
  valid: Uint8Array[],
  runs = RUNS,
): void {
  test(`fuzz ${name}: arbitrary bytes and mutated valid files parse or throw DataFormatError`, () => {
    const check = counted(name, parsesOrDataError(parse));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: runs });
    const fromValid = fc.tuple(fc.constantFrom(...valid), mutation).map(([b, m]) => mutate(b, m));
    fc.assert(fc.property(fromValid, check), { numRuns: runs });
  });
}

fuzz(
  'IDX images',
  (b) => {
    const r = parseIdxImages(b, 'fuzz.bin');
    assert.equal(r.pixels.length, r.n * r.height * r.width);
  },
  [idxImages(3, 4, 5), gzipSync(idxImages(2, 3, 3)), idxImages(0, 1, 1)],
);

fuzz(
  'IDX labels',
  (b) => {
    parseIdxLabels(b, 'fuzz.bin');
  },
  [idxLabels([1, 2, 3]), gzipSync(idxLabels([9, 0]))],
);

fuzz(
  'CIFAR batch',
  (b) => {
    const r = parseCifarBatch(b, 'fuzz.bin');
    assert.equal(r.pixels.length, r.n * 3072);
    assert.ok(r.labels.every((l) => l < 10));
  },
  [cifarBatch([1]), cifarBatch([0, 9])],
);

fuzz(
  'npy',
  (b) => {
    const r = parseNpy(b, 'fuzz.bin');
    assert.equal(
      r.data.length,
      r.shape.reduce((x, y) => x * y, 1),
    );
  },
  [
    encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
    encodeNpy(Uint8Array.from([7]), [1, 1, 1, 1]),
    encodeNpy(Int32Array.from([1, -1]), [2]),
  ],
);

// Image decoding: the chunk walk (pngCheck.ts) rejects most mutations before pngjs / jpeg-js run,
// so this costs about what the other parsers cost (it was RUNS / 4 when every input reached pngjs).
fuzz(
  'PNG/JPEG decode',
  (b) => {
    const r = decodeImage(b, 'fuzz.bin');
    assert.equal(r.rgba.length, r.width * r.height * 4);
  },
  [
    encodePng(
      Uint8Array.from({ length: 12 }, (_, i) => i * 20),
      2,
      2,
      3,
    ),
    encodePng(new Uint8Array(9), 3, 3, 1),
    encodePng(
      Uint8Array.from({ length: 64 }, (_, i) => i * 4),
      4,
      4,
      4,
    ),
    Buffer.from(jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(64, 90) }, 80).data),
  ],
  RUNS,
);

/** Well-formed framing around generated header dicts: exercises the header parser, not the magic check. */
test('fuzz npy headers: generated dict literals parse or throw DataFormatError', () => {
  const token = fc.oneof(
    fc.constantFrom(
      "'descr': '<f4'",
      "'descr': '|u1'",
      "'descr': '<i8'",
      "'descr': '>i4'",
      "'descr': [('a', '<f4')]",
      "'fortran_order': True",
      "'fortran_order': False",
    ),
    fc
      .array(
        fc.oneof(
          fc.nat({ max: 5 }).map(String),
          fc.constantFrom('-1', '1e3', '99999999999999999999', '3L', ' ', ''),
        ),
        { maxLength: 5 },
      )
      .map((a) => `'shape': (${a.join(', ')})`),
    fc.string({ maxLength: 12 }),
  );
  const header = fc
    .tuple(fc.array(token, { maxLength: 5 }), fc.boolean())
    .map(([ts, brace]) => (brace ? `{${ts.join(', ')}, }` : ts.join(' ')));
  const file = fc
    .tuple(header, fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 64 }))
    .map(([h, major, data]) => {
      const text = Buffer.from(h, major === 3 ? 'utf8' : 'latin1');
      const lenSize = major === 1 ? 2 : 4;
      const b = Buffer.alloc(8 + lenSize + text.length + data.length);
      b.write('\x93NUMPY', 0, 'latin1');
      b[6] = major;
      if (major === 1) b.writeUInt16LE(text.length, 8);
      else b.writeUInt32LE(text.length, 8);
      b.set(text, 8 + lenSize);
      b.set(data, 8 + lenSize + text.length);
      return new Uint8Array(b);
    });
  fc.assert(
    fc.property(
      file,
      counted(
        'npy headers',
        parsesOrDataError((b) => void parseNpy(b, 'fuzz.bin')),
      ),
    ),
    { numRuns: RUNS },
  );
});

test(
  'under CI the fuzzing totals at least 10,000 cases',
  { skip: process.env.RFL_CI !== '1' },
  () => {
    // node:test runs a file's tests in order: every property above has run by now.
    const total = [...cases.values()].reduce((a, b) => a + b, 0);
    assert.ok(total >= 10_000, `only ${total} fuzz cases ran`);
  },
);
