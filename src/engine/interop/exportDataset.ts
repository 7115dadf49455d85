/**
 * Datasets out to PyTorch: torchvision's ImageFolder layout (one PNG per image, one folder per
 * class) or NCHW .npy arrays (`torch.from_numpy(np.load(...))` is a model input as it is).
 * The output folder appears whole or not at all (staged, then renamed into place).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../types';
import { writeDirAtomic } from '../formats/atomicDir';
import { DataFormatError } from '../formats/errors';
import { loadDataset, parseSpec } from '../formats/load';
import { encodeNpy } from '../formats/npy';
import { encodePng } from '../formats/png';
import { DATASET_FORMAT, DATASET_VERSION } from '../formats/datasetManifest';
import type { Split } from '../formats/idx';

export type DatasetExportFormat = 'imagefolder' | 'npy-nchw';

export interface ExportedDataset {
  out: string;
  format: DatasetExportFormat;
  splits: string[];
  images: number;
  classes: number;
}

/** The splits a spec has: both for the standard sets, else what its folder holds. */
function splitsOf(spec: string): Split[] | 'single' {
  const p = parseSpec(spec);
  if (p.kind !== 'npy' && p.kind !== 'folder') return ['train', 'test'];
  const has = (s: string) => fs.existsSync(path.join(p.path, s));
  const marker = (s: string) => (p.kind === 'npy' ? path.join(s, 'images.npy') : s);
  const found = (['train', 'test'] as Split[]).filter((s) => has(marker(s)));
  return found.length ? found : 'single';
}

/**
 * ImageFolder assigns labels by sorting folder names, so the folders are numbered, zero-padded
 * ("0_T-shirt_top" … "9_Ankle_boot"): sorted, they keep this tool's label order. Characters a
 * file name cannot hold become "_".
 */
export function classFolderNames(numClasses: number, classNames?: string[]): string[] {
  const width = String(numClasses - 1).length;
  return Array.from({ length: numClasses }, (_, i) => {
    const n = String(i).padStart(width, '0');
    const name = classNames?.[i]?.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
    return name ? `${n}_${name}` : n;
  });
}

function writeImageFolder(dir: string, d: Dataset): void {
  const [n, h, w, c] = d.shape;
  const folders = classFolderNames(d.numClasses, d.classNames);
  for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
  const per = h * w * c;
  const width = String(n - 1).length;
  for (let i = 0; i < n; i++) {
    const png = encodePng(d.images.subarray(i * per, (i + 1) * per), h, w, c);
    const name = `${String(i).padStart(width, '0')}.png`;
    fs.writeFileSync(path.join(dir, folders[d.labels[i]!]!, name), png);
  }
}

function writeNpyNchw(dir: string, d: Dataset, source: string): void {
  const [n, h, w, c] = d.shape;
  const nchw = new Float32Array(d.images.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++)
          nchw[((i * c + k) * h + y) * w + x] = d.images[((i * h + y) * w + x) * c + k]!;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'images.npy'), encodeNpy(nchw, [n, c, h, w]));
  fs.writeFileSync(
    path.join(dir, 'labels.npy'),
    encodeNpy(
      BigInt64Array.from(d.labels, (l) => BigInt(l)),
      [n],
    ),
  );
  const manifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    layout: 'nchw',
    shape: [n, c, h, w],
    dtype: 'float32',
    numClasses: d.numClasses,
    ...(d.classNames ? { classNames: d.classNames } : {}),
    exportedFrom: source,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** Writes the dataset `spec` to `out` in `format`. Refuses an `out` that already holds files. */
export async function exportDataset(
  spec: string,
  format: DatasetExportFormat,
  out: string,
): Promise<ExportedDataset> {
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0)
    throw new DataFormatError(
      out,
      'already exists and is not empty: choose a new --out folder (nothing was overwritten)',
    );
  const splits = splitsOf(spec);
  const parts: [string, Dataset][] = [];
  for (const s of splits === 'single' ? (['train'] as Split[]) : splits)
    parts.push([splits === 'single' ? '' : s, await loadDataset(spec, { split: s })]);
  const first = parts[0]![1];
  await writeDirAtomic(out, (staging) => {
    for (const [sub, d] of parts) {
      const dir = path.join(staging, sub);
      if (format === 'imagefolder') writeImageFolder(dir, d);
      else writeNpyNchw(dir, d, spec);
    }
    if (format === 'imagefolder') {
      // ImageFolder lists folders only: this file beside them is provenance, not a class.
      const info = {
        format: 'imagefolder',
        exportedFrom: spec,
        splits: parts.map(([s]) => s || '.'),
        classFolders: classFolderNames(first.numClasses, first.classNames),
        classNames: first.classNames,
        pixels:
          'PNG, 8 bits per channel: float pixels were rounded to the nearest 1/255 (npy-nchw keeps them exactly); torchvision.transforms.ToTensor() gives [0, 1] again',
        load: 'torchvision.datasets.ImageFolder(DIR) (gray images: add transforms.Grayscale())',
      };
      fs.writeFileSync(path.join(staging, 'rfl-export.json'), JSON.stringify(info, null, 2) + '\n');
    }
  });
  return {
    out,
    format,
    splits: parts.map(([s]) => s || 'single set'),
    images: parts.reduce((a, [, d]) => a + d.shape[0], 0),
    classes: first.numClasses,
  };
}
