/**
 * Which checkpoint a piece of text names: the path-like token under the cursor, resolved
 * against the document's folder, the workspace folders and the runs folder. A path to a file
 * inside a checkpoint (model.json, metrics.json) names the checkpoint too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Characters that end a path in prose, code and JSON. */
const STOP = /[\s"'`()[\]{}<>,;|=]/;

/** The token around `offset` in `line`, with its [start, end) columns. */
export function tokenAt(
  line: string,
  offset: number,
): { text: string; start: number; end: number } | undefined {
  if (offset > line.length) return undefined;
  let start = offset;
  let end = offset;
  while (start > 0 && !STOP.test(line[start - 1]!)) start--;
  while (end < line.length && !STOP.test(line[end]!)) end++;
  let text = line.slice(start, end);
  // A dataset spec prefix ('npy:runs/x') or trailing punctuation is not part of the path.
  const scheme = /^[a-z0-9-]+:(?![\\/]{2})/i.exec(text);
  if (scheme && !/^[a-z]:[\\/]/i.test(text)) {
    start += scheme[0].length;
    text = text.slice(scheme[0].length);
  }
  const trail = /[.:]+$/.exec(text);
  if (trail) {
    end -= trail[0].length;
    text = text.slice(0, -trail[0].length);
  }
  return text ? { text, start, end } : undefined;
}

export function isCheckpointDir(dir: string): boolean {
  return (
    fs.existsSync(path.join(dir, 'metrics.json')) && fs.existsSync(path.join(dir, 'model.json'))
  );
}

/** The checkpoint folder the token names, trying each base folder in turn. */
export function resolveCheckpoint(token: string, bases: string[]): string | undefined {
  if (!token || token.length > 1024) return undefined;
  const t = token.startsWith('~/') ? path.join(os.homedir(), token.slice(2)) : token;
  const candidates = path.isAbsolute(t) ? [t] : bases.map((b) => path.resolve(b, t));
  for (const c of candidates) {
    if (isCheckpointDir(c)) return c;
    if (/\.(json|bin)$/.test(c) && isCheckpointDir(path.dirname(c))) return path.dirname(c);
  }
  return undefined;
}
