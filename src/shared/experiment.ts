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
import schema from './experimentSchema.json';

export type Arch = 'mlp' | 'cnn' | 'resnet' | 'vgg';
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
    }
  | {
      type: 'evaluate';
      checkpoint: string;
      norm?: Norm;
      eps?: number[];
      steps?: number;
      limit?: number;
    }
  | { type: 'reproduce'; profile?: 'quick' | 'full'; out?: string };

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
    case 'discriminator':
      return `${where}'type' must be one of "train", "adversarialTrain", "construct", "evaluate", "reproduce"`;
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
