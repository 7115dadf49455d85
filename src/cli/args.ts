/** Shared option parsing (node's util.parseArgs) and the backend banner every command prints. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  initBackend,
  parseBackendName,
  type BackendInfo,
  type BackendOptions,
} from '../engine/backend/ladder';
import { backendLabel } from '../engine/provenance';
import { applyDataFlags, dataFlags } from './dataFlags';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const commonOptions = {
  backend: { type: 'string', default: process.env.RFL_BACKEND ?? 'auto' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies Options;

export function parse<O extends Options>(argv: string[], options: O, help: string) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...commonOptions,
        ...('data' in options || 'dataset' in options ? dataFlags : {}),
        ...options,
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n\n${help}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    process.exit(0);
  }
  applyDataFlags(parsed.values);
  return parsed.values;
}

/** Starts the backend and prints a one-line banner to stderr (stdout stays clean for --json). */
export async function startBackend(
  name: string,
  quiet: boolean,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const info = await initBackend(parseBackendName(name), options);
  if (!quiet) console.error(`backend: ${backendLabel()}${info.forced ? ' (forced)' : ''}`);
  return info;
}

export function num(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${flag} must be a number, got '${value}'`);
  return n;
}

/** --pool N: a whole number of cores ≥ 1, or undefined when the flag is absent. */
export function poolOption(value: string | undefined): number | undefined {
  const n = num(value, 'pool');
  if (n !== undefined && !(Number.isInteger(n) && n >= 1))
    throw new Error(`--pool must be a whole number ≥ 1, got '${value}'`);
  return n;
}

export function numList(value: string, flag: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(n))
      throw new Error(`--${flag} must be a comma-separated list of numbers, got '${value}'`);
    return n;
  });
}
