/** `robust-features merge --out DIR SHARD_DIR...`: joins shard builds into one dataset. */
import { parseArgs } from 'node:util';
import { startBackend } from '../args';
import { mergeShards } from '../../engine/construct/merge';

const HELP = `robust-features merge --out DIR SHARD_DIR [SHARD_DIR ...]
  Joins the folders that 'robust-features construct --shard i/n' built (same settings) into one
  dataset, byte-identical to building it whole.`;

export async function runMerge(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'auto' },
    },
    allowPositionals: true,
  });
  if (values.help) return void console.log(HELP);
  if (!values.out || positionals.length === 0)
    throw new Error(`--out DIR and at least one shard folder are required\n\n${HELP}`);
  await startBackend(values.backend, values.json);
  const r = await mergeShards(positionals, values.out, { log: (l) => console.error(l) });
  console.log(
    values.json
      ? JSON.stringify(r)
      : `merged ${positionals.length} shard folder(s) into ${values.out}: ${r.n} images`,
  );
}
