/** Reads the prediction files written by the worker (src/shared/panelsPredictions.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PredictionsFile } from '../../shared/panelsPredictions';

/** Every predictions file for this dataset folder (or its source images), by checkpoint name. */
export function readPredictions(
  folder: string,
  source: boolean,
  n?: number,
): Map<string, PredictionsFile> {
  const dir = path.join(folder, 'predictions');
  const out = new Map<string, PredictionsFile>();
  let names: string[] = [];
  try {
    names = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return out;
  }
  for (const f of names) {
    if (f.endsWith('.source.json') !== source) continue;
    try {
      const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as PredictionsFile;
      if (
        p.kind !== 'predictions' ||
        !Array.isArray(p.top3) ||
        (n !== undefined && p.top3.length !== n)
      )
        continue;
      out.set(typeof p.name === 'string' ? p.name : f.replace(/(\.source)?\.json$/, ''), p);
    } catch {
      /* unreadable: skip */
    }
  }
  return out;
}
