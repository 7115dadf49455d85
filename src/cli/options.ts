/**
 * One option table per verb: the single source of each option's parsing, default and help line.
 * node's util.parseArgs reads the command line; this module adds what it lacks (typed numbers
 * and lists, choices, required options, help text generated from the same table), so that a
 * default is written once and the help can never disagree with what the parser does.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../shared/errorMessage';
import { BACKEND_LADDER } from '../engine/backend/ladder';
import { applyDataFlags, DATA_OPTIONS, NO_DATA_SPEC, takesData } from './dataFlags';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

export type OptionKind = 'string' | 'boolean' | 'number' | 'int' | 'numbers';

export interface OptionSpec {
  kind: OptionKind;
  /** One line (wrapped in the help) saying what the option does. */
  help: string;
  /** The value's placeholder in the help: N, DIR, SPEC… (choices print themselves). */
  arg?: string;
  default?: string | number | boolean | readonly number[];
  /** The default when it is computed at run time ('all', '2.5·ε/steps'): help text only. */
  defaultText?: string;
  required?: boolean;
  choices?: readonly string[];
  /** int only: the smallest value accepted. */
  min?: number;
  short?: string;
  /** Internal options (a parent process talking to its child): parsed, not listed. */
  hidden?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export interface VerbSpec<O extends OptionTable = OptionTable> {
  name: string;
  /** One line for the general usage. */
  summary: string;
  /** Paragraphs printed under the usage line. */
  description?: string;
  options: O;
  /** Positional arguments (merge's shard folders); none unless given. */
  positionals?: { arg: string; min: number };
}

/** An error in how the command was called: exit code 2 and the verb's help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Thrown after -h/--help printed the help: the command does nothing else and exits 0. */
export class HelpShown extends Error {
  constructor() {
    super('help shown');
  }
}

/** Options every verb takes. */
export const COMMON_OPTIONS = {
  backend: {
    kind: 'string',
    arg: 'NAME',
    choices: ['auto', ...BACKEND_LADDER] as const,
    default: process.env.RFL_BACKEND ?? 'auto',
    defaultText: '$RFL_BACKEND, else auto',
    help: 'compute backend: auto walks the ladder, a name forces that rung',
  },
  json: { kind: 'boolean', help: 'print the result as JSON on stdout (progress stays on stderr)' },
  help: { kind: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies OptionTable;

type KindValue<S> = S extends { choices: readonly (infer C)[] }
  ? C
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'number' | 'int' }
      ? number
      : S extends { kind: 'numbers' }
        ? number[]
        : string;

/** A parsed value is never undefined when it has a default, is required, or is a flag. */
export type Values<O extends OptionTable> = {
  -readonly [K in keyof O]: O[K] extends
    { kind: 'boolean' } | { default: unknown } | { required: true }
    ? KindValue<O[K]>
    : KindValue<O[K]> | undefined;
};

export type Parsed<O extends OptionTable> = Values<O & typeof COMMON_OPTIONS> & {
  /** Positional arguments. */
  _: string[];
  /** Each option's text as typed (eval keys its results by the ε as written: '0.50'). */
  _raw: Record<string, string | undefined>;
};

function convert(flag: string, spec: OptionSpec, raw: string): string | number | number[] {
  const bad = (what: string) => new UsageError(`--${flag} must be ${what}, got '${raw}'`);
  switch (spec.kind) {
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'int': {
      const n = Number(raw);
      const whole = spec.min === undefined ? 'a whole number' : `a whole number ≥ ${spec.min}`;
      if (raw.trim() === '' || !Number.isInteger(n) || (spec.min !== undefined && n < spec.min))
        throw bad(whole);
      return n;
    }
    case 'numbers':
      return raw.split(',').map((s) => {
        const n = Number(s.trim());
        if (s.trim() === '' || !Number.isFinite(n)) throw bad('a comma-separated list of numbers');
        return n;
      });
    case 'boolean':
    case 'string':
      if (spec.choices && !spec.choices.includes(raw))
        throw bad(`one of ${spec.choices.join(', ')}`);
      return raw;
  }
}

/** Parses argv against the verb's table (plus the common options); -h prints help and throws HelpShown. */
export function parseVerb<O extends OptionTable>(spec: VerbSpec<O>, argv: string[]): Parsed<O> {
  const table: OptionTable = { ...COMMON_OPTIONS, ...dataOptions(spec), ...spec.options };
  // A usage error shows the usage line; -h shows everything.
  const help = `${usageLine(spec)}\n(robust-features ${spec.name} -h lists the options)`;
  const options: ParseArgsOptions = {};
  for (const [k, s] of Object.entries(table))
    options[k] = {
      type: s.kind === 'boolean' ? 'boolean' : 'string',
      ...(s.short ? { short: s.short } : {}),
    };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options,
      allowPositionals: spec.positionals !== undefined,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(errorMessage(e), help);
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  if (raw.help) {
    console.log(verbHelp(spec));
    throw new HelpShown();
  }
  const out: Record<string, unknown> = {
    _: parsed.positionals,
    _raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string')),
  };
  try {
    for (const [flag, s] of Object.entries(table)) {
      const v = raw[flag];
      if (s.kind === 'boolean') out[flag] = v === undefined ? (s.default ?? false) : v;
      else if (typeof v === 'string') out[flag] = convert(flag, s, v);
      else if (s.default !== undefined)
        out[flag] = typeof s.default === 'string' ? convert(flag, s, s.default) : s.default;
      else if (s.required) throw new UsageError(`--${flag} ${s.arg ?? 'VALUE'} is required`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message, help);
    throw e;
  }
  if (!applyDataFlags(out)) throw new UsageError(NO_DATA_SPEC, help);
  if (spec.positionals && parsed.positionals.length < spec.positionals.min)
    throw new UsageError(`expected ${spec.positionals.arg}`, help);
  return out as Parsed<O>;
}

/** --layout, --classes, --size for the verbs that read a dataset (dataFlags.ts). */
function dataOptions(spec: VerbSpec): OptionTable {
  return takesData(spec.options) ? DATA_OPTIONS : {};
}

function formatDefault(s: OptionSpec): string {
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.default === undefined || s.default === false) return '';
  return Array.isArray(s.default) ? s.default.join(',') : String(s.default);
}

/** The flag column: `--eps X`, `--norm l2|linf`, `-h, --help`. */
function flagColumn(flag: string, s: OptionSpec): string {
  const name = `${s.short ? `-${s.short}, ` : ''}--${flag}`;
  if (s.kind === 'boolean') return name;
  return `${name} ${s.choices ? s.choices.join('|') : (s.arg ?? 'X')}`;
}

const WIDTH = 100;
const COLUMN = 30;

/** Wraps text to WIDTH, every line after the first indented by `indent` spaces. */
function wrap(first: string, text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > WIDTH && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = ' '.repeat(indent) + word;
    } else line = line.length <= indent ? line + word : `${line} ${word}`;
  }
  lines.push(line.trimEnd());
  return lines;
}

function optionLines(table: OptionTable): string[] {
  return Object.entries(table)
    .filter(([, s]) => !s.hidden)
    .flatMap(([flag, s]) => {
      const d = formatDefault(s);
      const text = `${s.help}${s.required ? ' (required)' : d ? ` (default ${d})` : ''}`;
      const col = `  ${flagColumn(flag, s)}`;
      const first = col.length < COLUMN ? col.padEnd(COLUMN) : `${col}\n${' '.repeat(COLUMN)}`;
      const [head, ...rest] = first.split('\n');
      return rest.length
        ? [head as string, ...wrap(rest[0] as string, text, COLUMN)]
        : wrap(first, text, COLUMN);
    });
}

/** `usage: robust-features VERB --required X [options] POSITIONALS`. */
export function usageLine(spec: VerbSpec): string {
  const required = Object.entries(spec.options)
    .filter(([, s]) => s.required)
    .map(([flag, s]) => `--${flag} ${s.choices ? s.choices.join('|') : (s.arg ?? 'X')}`);
  const rest = [...required, '[options]', ...(spec.positionals ? [spec.positionals.arg] : [])];
  return wrap(`usage: robust-features ${spec.name}`, rest.join(' '), 6).join('\n');
}

/** The verb's help, generated from its table. */
export function verbHelp(spec: VerbSpec): string {
  return [
    usageLine(spec),
    '',
    spec.summary,
    ...(spec.description ? ['', spec.description] : []),
    '',
    'options:',
    ...optionLines(spec.options),
    ...(takesData(spec.options) ? ['', 'data options:', ...optionLines(DATA_OPTIONS)] : []),
    '',
    'common options:',
    ...optionLines(COMMON_OPTIONS),
  ].join('\n');
}
