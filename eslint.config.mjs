// Type-aware typescript-eslint, and the layers of docs/ARCHITECTURE.md ("Layers") as import
// rules: test/unit/layers/layers.test.ts shows each rule rejecting a cross-layer import.
import tseslint from 'typescript-eslint';

// An import that climbs out of its folder into a top-level source folder: from src/engine/x/y.ts,
// '../../worker/z' is src/worker. No layer has a folder of its own named like a top-level one.
const into = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const NO_TFJS = { group: ['@tensorflow/*'], message: 'Tensor code stays in the engine.' };

/** The engine runs in the worker, the CLI and the bench: it knows none of them. */
const engine = [
  { regex: into(['extension', 'worker', 'cli']), message: 'The engine imports no process code.' },
];
/**
 * formats/ (with attacks/defaults.ts and types.ts) is the part of the engine the extension may
 * load: no tensors, and as values only its own files, the attack defaults, the engine's types,
 * the kill-test hook (node:fs only) and src/shared.
 */
const pure = [
  NO_TFJS,
  {
    regex: '^\\.\\./(?!attacks/defaults$|types$|testKill$|formats/|\\.\\./shared/)',
    allowTypeImports: true,
    message:
      'formats/ is tensor-free: values only from formats/, attacks/defaults, types, testKill, shared.',
  },
];
const restrict = (paths, patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
});
const NO_VSCODE = { name: 'vscode', message: 'Only src/extension runs inside VS Code.' };

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.vscode-ci*/**', 'runs/**', '**/*.js'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    // node:test's test()/describe() return promises the runner itself awaits.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  { files: ['src/engine/**/*.ts'], rules: restrict([NO_VSCODE], engine) },
  {
    files: ['src/engine/formats/**/*.ts', 'src/engine/attacks/defaults.ts', 'src/engine/types.ts'],
    rules: restrict([NO_VSCODE], [...engine, ...pure]),
  },
  {
    // The extension host loads no tensor code: from the engine, values only from formats/.
    files: ['src/extension/**/*.ts'],
    rules: restrict(
      [],
      [
        NO_TFJS,
        {
          regex: '^(\\.\\./)+engine/(?!formats/)',
          allowTypeImports: true,
          message: 'The extension imports from the engine only src/engine/formats/.',
        },
      ],
    ),
  },
  {
    // Shared by every side, so it takes nothing from any of them, not even types.
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      [NO_VSCODE],
      [
        NO_TFJS,
        {
          regex: into(['engine', 'extension', 'worker', 'cli']),
          message: 'src/shared imports from no side; declare the type here.',
        },
      ],
    ),
  },
  {
    // The build, test and packaging scripts: plain Node ESM/CommonJS, outside the TS project.
    files: ['**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: { 'no-undef': 'error' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Functions the panel checks send into chromium's page.
    files: ['test/vscode/e2e/*.cjs'],
    languageOptions: {
      globals: { document: 'readonly', performance: 'readonly', requestAnimationFrame: 'readonly' },
    },
  },
);
