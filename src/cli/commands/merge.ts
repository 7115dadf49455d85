/** `robust-features merge --out DIR SHARD_DIR...`: joins shard builds into one dataset. */
import { startBackend } from '../args';
import { parseVerb, type VerbSpec } from '../options';
import { mergeShards } from '../../engine/construct/merge';

export const mergeVerb = {
  name: 'merge',
  summary: "join the folders 'construct --shard i/n' built into one dataset",
  description:
    'The shards must come from the same settings; the result is byte-identical to building it whole.',
  options: {
    out: { kind: 'string', arg: 'DIR', required: true, help: 'dataset folder to write' },
  },
  positionals: { arg: 'SHARD_DIR...', min: 1 },
} as const satisfies VerbSpec;

export async function runMerge(argv: string[]): Promise<void> {
  const o = parseVerb(mergeVerb, argv);
  await startBackend(o.backend, o.json);
  const r = await mergeShards(o._, o.out, { log: (l) => console.error(l) });
  console.log(
    o.json
      ? JSON.stringify(r)
      : `merged ${o._.length} shard folder(s) into ${o.out}: ${r.n} images`,
  );
}
