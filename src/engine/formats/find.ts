/** What `robust-features info` shows under "Datasets": which datasets are installed where. */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { cifarFiles, resolveCifarDir } from './cifar';
import { DEFAULT_FASHION_MNIST_DIR, findIdxFiles } from './idx';
import { detectKind, formatSpec, type DatasetKind } from './spec';

export interface FoundDataset {
  /** Display name, e.g. 'fashion-mnist'. */
  name: string;
  /** What to write in an experiment file to use it. */
  spec: string;
  path: string;
  found: boolean;
  /** When not found: how to get it. */
  hint?: string;
}

/** Which default datasets are installed (for `robust-features info`); cheap: no file is parsed. */
export function findDatasets(roots: string[] = ['/usr/share/datasets']): FoundDataset[] {
  const out: FoundDataset[] = [];
  let fashion = true;
  try {
    findIdxFiles(DEFAULT_FASHION_MNIST_DIR, 'train');
    findIdxFiles(DEFAULT_FASHION_MNIST_DIR, 'test');
  } catch {
    fashion = false;
  }
  out.push({
    name: 'fashion-mnist',
    spec: 'fashion-mnist',
    path: DEFAULT_FASHION_MNIST_DIR,
    found: fashion,
    ...(fashion ? {} : { hint: 'apt install dataset-fashion-mnist, or use fashion-mnist:PATH' }),
  });
  // Anything else already under the dataset roots (e.g. a CIFAR-10 someone unpacked there).
  for (const root of roots) {
    let names: string[] = [];
    try {
      names = readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(root, name);
      if (dir === DEFAULT_FASHION_MNIST_DIR) continue;
      const kind = safeDetect(dir);
      if (kind) out.push({ name, spec: formatSpec({ kind, path: dir }), path: dir, found: true });
    }
  }
  return out;
}

function safeDetect(dir: string): DatasetKind | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    const kind = detectKind(dir);
    if (kind === 'cifar10') cifarFiles(resolveCifarDir(dir), 'train');
    return kind;
  } catch {
    return undefined;
  }
}
