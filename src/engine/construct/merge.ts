/**
 * `robust-features merge`: joins the chunk folders that n shard builds made (each with the same
 * build.json but for nothing) into one dataset — the same bytes as building it whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobContext } from '../types';
import { loadDataset } from '../formats/load';
import { readManifest } from '../models/checkpoint';
import { chunkDir, chunkDone } from './chunkStore';
import { writeDirAtomic } from '../formats/atomicDir';
import type { ConstructConfig } from './config';
import { recordConfig } from './build';
import { assemble, type BuildSummary } from './assemble';

export async function mergeShards(
  shardDirs: string[],
  outDir: string,
  ctx: JobContext = {},
): Promise<BuildSummary> {
  if (shardDirs.length === 0) throw new Error('merge: name at least one shard folder');
  const configs = shardDirs.map((d) => {
    const f = path.join(d, 'build.json');
    if (!fs.existsSync(f)) throw new Error(`${f}: missing; is ${d} a shard build folder?`);
    return JSON.parse(fs.readFileSync(f, 'utf8')) as ConstructConfig;
  });
  const cfg = configs[0] as ConstructConfig;
  configs.forEach((c, i) => {
    if (JSON.stringify(c) !== JSON.stringify(cfg))
      throw new Error(
        `${path.join(shardDirs[i] as string, 'build.json')}: built with other settings than ${path.join(shardDirs[0] as string, 'build.json')}`,
      );
  });
  const ds = await loadDataset(cfg.data, {
    split: 'train',
    limit: cfg.limit,
    seed: cfg.seed,
    signal: ctx.signal,
  });
  const chunks = Math.ceil(ds.shape[0] / cfg.chunkSize);
  recordConfig(outDir, cfg);
  for (let k = 0; k < chunks; k++) {
    if (chunkDone(outDir, k)) continue;
    const from = shardDirs.find((d) => chunkDone(d, k));
    if (!from)
      throw new Error(
        `merge: chunk ${k} of ${chunks} is in none of ${shardDirs.join(', ')}; run its shard (${k} mod n) to completion first`,
      );
    await writeDirAtomic(chunkDir(outDir, k), (staging) =>
      fs.cpSync(chunkDir(from, k), staging, { recursive: true }),
    );
  }
  return assemble(outDir, cfg, ds, readManifest(cfg.checkpoint), (l) => ctx.log?.(l));
}
