/**
 * The experiment file (`*.rfl.json`, JSONC): types matching src/shared/experimentSchema.json,
 * and a validator that reports every problem with the offset range of the JSON value it is
 * about (jsonc-parser's tree + ajv's instancePath), so the editor underlines the right line.
 * No `vscode` import: the CLI can use it as it is.
 */
import Ajv, { type ErrorObject } from 'ajv';
// The ESM build: its UMD build requires './impl/…' at run time, which a bundle cannot resolve.
import {
  findNodeAtLocation,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser/lib/esm/main.js';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import schema from './experimentSchema.json';

export type Arch =
  'mlp' | 'cnn' | 'resnet' | 'vgg' | 'densenet' | 'inception' | 'cnn-wide' | 'resnet-deep';
export type Norm = 'l2' | 'linf';
export interface ThreatModel {
  norm: Norm;
  eps: number;
  steps?: number;
}
export type ExperimentStep =
  | {
      type: 'train';
      out: string;
      model?: Arch;
      data?: string;
      epochs?: number;
      trainLimit?: number;
      lr?: number;
    }
  | {
      type: 'adversarialTrain';
      out: string;
      model?: Arch;
      epochs?: number;
      trainLimit?: number;
      threatModel?: ThreatModel;
    }
  | {
      type: 'construct';
      kind: 'robust' | 'nonrobust' | 'rand' | 'det';
      checkpoint: string;
      out: string;
      limit?: number;
      steps?: number;
      stepSize?: number;
      eps?: number;
      chunkSize?: number;
    }
  | {
      type: 'evaluate';
      checkpoint: string;
      norm?: Norm;
      eps?: number[];
      steps?: number;
      limit?: number;
    }
  | { type: 'reproduce'; profile?: 'smoke' | 'quick' | 'full'; out?: string }
  | {
      type: 'transfer';
      /** The `out` of a training step, or a checkpoint folder (a standard model). */
      source: string;
      out: string;
      archs?: Arch[];
      epochs?: number;
      trainLimit?: number;
      testLimit?: number;
      eps?: number;
      steps?: number;
      stepSize?: number;
    }
  | {
      type: 'gradients';
      standard: string;
      robust: string;
      out: string;
      n?: number;
      eps?: number;
      steps?: number;
    }
  | { type: 'theory'; out: string; config?: Record<string, unknown> };

export type StepType = ExperimentStep['type'];

/** Every step type, in the order the schema lists them. */
export const STEP_TYPES: readonly StepType[] = [
  'train',
  'adversarialTrain',
  'construct',
  'evaluate',
  'reproduce',
  'transfer',
  'gradients',
  'theory',
];

/** The checkpoints a step reads, by field: an earlier step's `out` name or a path. */
export function checkpointRefs(s: ExperimentStep): { field: string; ref: string }[] {
  switch (s.type) {
    case 'construct':
    case 'evaluate':
      return [{ field: 'checkpoint', ref: s.checkpoint }];
    case 'transfer':
      return [{ field: 'source', ref: s.source }];
    case 'gradients':
      return [
        { field: 'standard', ref: s.standard },
        { field: 'robust', ref: s.robust },
      ];
    case 'train':
    case 'adversarialTrain':
    case 'reproduce':
    case 'theory':
      return [];
    default: {
      const never: never = s;
      return never;
    }
  }
}

export interface Experiment {
  name: string;
  description?: string;
  dataset?: string;
  model?: Arch;
  threatModel?: ThreatModel;
  budgets?: {
    epochs?: number;
    batchSize?: number;
    trainLimit?: number;
    testLimit?: number;
    attackSteps?: number;
    seed?: number;
  };
  output?: string;
  steps: ExperimentStep[];
}

export interface ExperimentProblem {
  offset: number;
  length: number;
  message: string;
}

export interface ParsedExperiment {
  /** Set only when the file parsed and matched the schema. */
  experiment?: Experiment;
  problems: ExperimentProblem[];
  /** The syntax tree (CodeLens positions), when the text parsed at all. */
  tree?: Node;
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(): ReturnType<Ajv['compile']> {
  // strict: false: the schema carries VS Code's `enumDescriptions`, unknown to ajv.
  validator ??= new Ajv({ allErrors: true, discriminator: true, strict: false }).compile(schema);
  return validator;
}

/** ajv's instancePath ("/steps/1/kind") as a jsonc-parser path (['steps', 1, 'kind']). */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(e: ErrorObject): string {
  const where = e.instancePath ? `${e.instancePath.slice(1).replace(/\//g, '.')}: ` : '';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where}unknown property '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
    case 'enum':
      return `${where}must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${where || 'experiment: '}missing required property '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'pattern': {
      // The raw regex means little to a user: say what the field must look like.
      const field = e.instancePath.split('/').pop();
      if (field === 'out')
        return `${where}must be a folder name inside the experiment's output folder (no slashes, not '.' or '..')`;
      if (field === 'name')
        return `${where}must start with a letter or digit and hold only letters, digits, '.', '_' and '-'`;
      return `${where}${e.message ?? 'invalid'}`;
    }
    case 'discriminator':
      return `${where}'type' must be one of ${STEP_TYPES.map((t) => JSON.stringify(t)).join(', ')}`;
    default:
      return `${where}${e.message ?? 'invalid'}`;
  }
}

/** The node an error is about: the offending property's key for additionalProperties, else the value. */
function nodeFor(tree: Node, e: ErrorObject): Node {
  const at = findNodeAtLocation(tree, pointerToPath(e.instancePath)) ?? tree;
  if (e.keyword === 'additionalProperties' && at.type === 'object') {
    const name = (e.params as { additionalProperty: string }).additionalProperty;
    const prop = at.children?.find((p) => p.children?.[0]?.value === name);
    if (prop?.children?.[0]) return prop.children[0];
  }
  if (e.keyword === 'discriminator' && at.type === 'object') {
    const prop = at.children?.find((p) => p.children?.[0]?.value === 'type');
    if (prop?.children?.[1]) return prop.children[1];
  }
  return at;
}

export function parseExperiment(text: string): ParsedExperiment {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const problems: ExperimentProblem[] = errors.map((e) => ({
    offset: e.offset,
    length: Math.max(1, e.length),
    message: `JSON syntax: ${printParseErrorCode(e.error)}`,
  }));
  if (!tree || errors.length) return { problems, tree };
  const value: unknown = JSON.parse(JSON.stringify(nodeValue(tree)));
  const v = validate();
  if (v(value)) return { experiment: value as Experiment, problems, tree };
  for (const e of v.errors ?? []) {
    const n = nodeFor(tree, e);
    // An object or array spans many lines: underline its first line only (where it opens).
    const length = n.type === 'object' || n.type === 'array' ? 1 : n.length;
    problems.push({ offset: n.offset, length, message: describe(e) });
  }
  // ajv may report one problem twice (a oneOf branch and the discriminator); keep one.
  const seen = new Set<string>();
  return {
    problems: problems.filter((p) => {
      const k = `${p.offset}:${p.message}`;
      return !seen.has(k) && seen.add(k);
    }),
    tree,
  };
}

function nodeValue(n: Node): unknown {
  switch (n.type) {
    case 'object':
      return Object.fromEntries(
        (n.children ?? []).map((p) => [
          p.children?.[0]?.value as string,
          p.children?.[1] ? nodeValue(p.children[1]) : null,
        ]),
      );
    case 'array':
      return (n.children ?? []).map(nodeValue);
    case 'property':
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return n.value as unknown;
    default: {
      const never: never = n.type;
      return never;
    }
  }
}

/** 1-based line and column of an offset, as editors and compilers print them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

export interface ExperimentFileCheck {
  experiment?: Experiment;
  /** `file:line:col: problem`, one per problem (the format terminals and editors link). */
  errors: string[];
}

/**
 * Reads and validates an experiment file outside the editor (CLI, tests, a job started from a
 * file on disk): every problem names the file and the line, so a user knows where to look.
 */
export function checkExperimentFile(file: string, text?: string): ExperimentFileCheck {
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a folder, expected a file'
            : `cannot read (${code ?? String(e)})`;
      return { errors: [`${file}: ${why}`] };
    }
  }
  if (text.trim() === '')
    return { errors: [`${file}:1:1: empty file, expected an experiment object`] };
  const t = text;
  const parsed = parseExperiment(t);
  const errors = parsed.problems.map((p) => {
    const { line, column } = lineColumn(t, p.offset);
    return `${file}:${line}:${column}: ${p.message}`;
  });
  return parsed.experiment && errors.length === 0
    ? { experiment: parsed.experiment, errors }
    : { errors };
}

export interface ExperimentPathContext {
  /** The experiment file's folder: a step's checkpoint path resolves here. */
  fileDir: string;
  /** The workspace folder: `output` resolves here. */
  workspaceDir: string;
  /** robustFeatures.runsFolder, absolute (may lie outside the workspace: the user chose it). */
  runsFolder: string;
}

/** The real path of `p`, following symlinks in the part that exists (the rest may not exist yet). */
function realPathOf(p: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const up = path.dirname(existing);
    if (up === existing) break;
    rest.unshift(path.basename(existing));
    existing = up;
  }
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // a dangling or looping symlink: keep the lexical path (and let the reader report it)
  }
  return path.join(real, ...rest);
}

const inside = (p: string, root: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * An experiment file is workspace content, so it must not make the extension write (or read a
 * model) anywhere else: `output` and checkpoint paths must lie inside the workspace folder or
 * the runs folder, also after following symlinks. Dataset specs may point anywhere (shared
 * datasets live in /usr/share/datasets). Returns `file: problem` lines, empty when all is well.
 */
export function checkExperimentPaths(
  x: Experiment,
  file: string,
  c: ExperimentPathContext,
): string[] {
  const roots = [c.workspaceDir, c.runsFolder].map((r) => path.resolve(r));
  const realRoots = roots.map(realPathOf);
  const errors: string[] = [];
  const check = (what: string, p: string, resolved: string): void => {
    const lexical = path.resolve(resolved);
    if (!roots.some((r) => inside(lexical, r))) {
      errors.push(
        `${file}: ${what} '${p}' resolves to ${lexical}, outside the workspace (${c.workspaceDir}) and the runs folder (${c.runsFolder})`,
      );
      return;
    }
    const real = realPathOf(lexical);
    if (!realRoots.some((r) => inside(real, r)))
      errors.push(
        `${file}: ${what} '${p}' goes through a symlink to ${real}, outside the workspace and the runs folder`,
      );
  };
  const out = x.output ? path.resolve(c.workspaceDir, x.output) : path.join(c.runsFolder, x.name);
  check(x.output ? 'output' : 'output folder', x.output ?? out, out);
  const outs = new Set(x.steps.flatMap((s) => ('out' in s && s.out ? [s.out] : [])));
  x.steps.forEach((s, i) => {
    if ('out' in s && s.out) check(`steps[${i}].out`, s.out, path.join(out, s.out));
    for (const { field, ref } of checkpointRefs(s))
      if (!outs.has(ref)) check(`steps[${i}].${field}`, ref, path.resolve(c.fileDir, ref));
  });
  return errors;
}
