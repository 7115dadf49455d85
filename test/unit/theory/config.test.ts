import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultTheoryConfig,
  loadTheoryConfig,
  resolveSigmaStar,
  validateTheoryConfig,
  TheoryConfigError,
  type TheoryConfig,
} from '../../../src/engine/theory/config';
import { eigSym } from '../../../src/engine/theory/eigen';

const good = (): TheoryConfig => ({
  dim: 2,
  muStar: [1, 0],
  sigmaStar: [
    [1, 0.2],
    [0.2, 0.5],
  ],
  eps: [0, 1],
  seed: 0,
});

function rejects(patch: Record<string, unknown>, field: RegExp, problem: RegExp): void {
  const raw = { ...good(), ...patch };
  for (const k of Object.keys(raw))
    if (raw[k as keyof typeof raw] === undefined) delete raw[k as keyof typeof raw];
  assert.throws(
    () => validateTheoryConfig(raw, 'exp/theory.json'),
    (e: unknown) => {
      assert.ok(e instanceof TheoryConfigError, String(e));
      assert.match(e.message, /^exp\/theory\.json: field '/);
      assert.match(e.field, field);
      assert.match(e.problem, problem);
      return true;
    },
  );
}

test('the default 2-D demo and a spectrum-based config validate', () => {
  const d = defaultTheoryConfig();
  assert.deepEqual(validateTheoryConfig(JSON.parse(JSON.stringify(d)), 'x'), d);
  const cfg = validateTheoryConfig(
    {
      ...good(),
      dim: 3,
      muStar: [1, 2, 3],
      sigmaStar: { eigenvalues: [3, 1, 0.1], seed: 4 },
      samples: 50,
    },
    'x',
  );
  const eig = Array.from(eigSym(resolveSigmaStar(cfg)).values);
  [0.1, 1, 3].forEach((v, i) => assert.ok(Math.abs(eig[i]! - v) < 1e-12));
});

test('bad configs: clear errors naming the file and the field', () => {
  rejects(
    {
      sigmaStar: [
        [1, 0.3],
        [0.2, 0.5],
      ],
    },
    /^sigmaStar$/,
    /symmetric/,
  );
  rejects(
    {
      sigmaStar: [
        [1, 2],
        [2, 1],
      ],
    },
    /^sigmaStar$/,
    /positive definite/,
  );
  rejects(
    {
      sigmaStar: [
        [1, 0],
        [0, 0],
      ],
    },
    /^sigmaStar$/,
    /positive definite/,
  );
  rejects(
    {
      sigmaStar: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    },
    /^sigmaStar$/,
    /2 rows/,
  );
  rejects({ sigmaStar: [[1, 0], [0]] }, /^sigmaStar\[1\]$/, /2 entries/);
  rejects(
    {
      sigmaStar: [
        [1, 'a'],
        [0, 1],
      ],
    },
    /^sigmaStar\[0\]\[1\]$/,
    /finite number/,
  );
  rejects({ sigmaStar: { eigenvalues: [1, -1], seed: 0 } }, /^sigmaStar\.eigenvalues\[1\]$/, /> 0/);
  rejects({ sigmaStar: { eigenvalues: [1, 1] } }, /^sigmaStar\.seed$/, /finite number/);
  rejects({ sigmaStar: 3 }, /^sigmaStar$/, /array of rows/);
  rejects({ muStar: [1, 2, 3] }, /^muStar$/, /2 entries \(dim\)/);
  rejects({ muStar: [0, 0] }, /^muStar$/, /zero vector/);
  rejects({ dim: 0 }, /^dim$/, /integer from 1/);
  rejects({ dim: 2.5 }, /^dim$/, /integer/);
  rejects({ eps: [] }, /^eps$/, /at least one/);
  rejects({ eps: [0, -0.5] }, /^eps\[1\]$/, /≥ 0/);
  rejects({ samples: 2 }, /^samples$/, /from 3/);
  rejects({ seed: undefined }, /^seed$/, /finite number/);
  rejects({ epsilon: [1] }, /^epsilon$/, /unknown field/);
  assert.throws(
    () => validateTheoryConfig([1], 'f.json'),
    /f\.json: field '\(root\)': must be a JSON object/,
  );
});

test('loadTheoryConfig: unreadable and non-JSON files are reported with their path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rfl-theory-cfg-'));
  try {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ "dim": 2,');
    assert.throws(
      () => loadTheoryConfig(bad),
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: field '\\(file\\)': is not valid JSON`,
      ),
    );
    assert.throws(
      () => loadTheoryConfig(path.join(dir, 'missing.json')),
      /missing\.json: field '\(file\)': cannot be read/,
    );
    const ok = path.join(dir, 'ok.json');
    fs.writeFileSync(ok, JSON.stringify(good()));
    assert.deepEqual(loadTheoryConfig(ok), good());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
