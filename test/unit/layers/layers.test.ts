// The layers of docs/ARCHITECTURE.md are lint rules (eslint.config.mjs): each case lints one
// import, as if written in a file of the given layer, with the project's own configuration.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(__dirname, '../../..');
// The import rules need no types; without the type-aware parser a case takes milliseconds.
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const _x = 1;\n`, {
    filePath: path.join(root, file),
  });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const rejected: [string, string, RegExp][] = [
  [
    'src/engine/x.ts',
    "import * as vscode from 'vscode'; void vscode;",
    /without VS Code|inside VS Code/,
  ],
  ['src/engine/train/x.ts', "import { a } from '../../worker/jobRunner'; void a;", /process code/],
  ['src/engine/x.ts', "import { a } from '../extension/extension'; void a;", /process code/],
  ['src/engine/eval/x.ts', "import { a } from '../../cli/main'; void a;", /process code/],
  ['src/engine/formats/x.ts', "import * as tf from '@tensorflow/tfjs-core'; void tf;", /Tensor/],
  [
    'src/engine/formats/x.ts',
    "import { ARCHS } from '../models/registry'; void ARCHS;",
    /tensor-free/,
  ],
  [
    'src/extension/panels/x.ts',
    "import { a } from '../../engine/train/trainModel'; void a;",
    /only src\/engine\/formats/,
  ],
  ['src/extension/x.ts', "import * as tf from '@tensorflow/tfjs-core'; void tf;", /Tensor/],
  ['src/shared/x.ts', "import type { Dataset } from '../engine/types'; let d: Dataset;", /no side/],
  ['src/shared/x.ts', "import { a } from '../extension/extension'; void a;", /no side/],
];

for (const [file, code, why] of rejected) {
  test(`${file} may not: ${code.split(';')[0]}`, async () => {
    const errors = await importErrors(file, code);
    assert.equal(errors.length, 1, `expected one import error, got ${JSON.stringify(errors)}`);
    assert.match(errors[0]!, why);
  });
}

const allowed: [string, string][] = [
  ['src/engine/train/x.ts', "import { a } from '../formats/npy'; void a;"],
  ['src/engine/x.ts', "import { errorMessage } from '../shared/errorMessage'; void errorMessage;"],
  [
    'src/engine/formats/x.ts',
    "import type { ArchName } from '../models/registry'; let a: ArchName;",
  ],
  [
    'src/engine/formats/x.ts',
    "import { LIBRARY_DEFAULTS } from '../attacks/defaults'; void LIBRARY_DEFAULTS;",
  ],
  [
    'src/extension/panels/x.ts',
    "import { parseNpy } from '../../engine/formats/npy'; void parseNpy;",
  ],
  ['src/extension/x.ts', "import type { Dataset } from '../engine/types'; let d: Dataset;"],
  ['src/extension/worker/x.ts', "import { a } from '../../shared/workerProtocol'; void a;"],
];

for (const [file, code] of allowed) {
  test(`${file} may: ${code.split(';')[0]}`, async () => {
    assert.deepEqual(await importErrors(file, code), []);
  });
}
