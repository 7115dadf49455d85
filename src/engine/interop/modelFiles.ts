/**
 * Checkpoints to and from PyTorch: `export --format safetensors` writes a checkpoint's weights as
 * a state_dict of python/rfl_zoo.py's model; `import` builds the zoo model and fills it from one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../formats/atomic';
import { readFileBytes } from '../formats/bytes';
import { DataFormatError } from '../formats/errors';
import {
  loadCheckpoint,
  writeJsonAtomic,
  writeModelFiles,
  type CheckpointManifest,
} from '../models/checkpoint';
import { ARCHS, buildModel, parseArch, type ArchName } from '../models/registry';
import { backendLabel, versions } from '../provenance';
import { decodeSafetensors, encodeSafetensors } from './safetensors';
import { loadStateDict, toStateDict } from './stateDict';

/** Metadata keys written into exported files (all values are strings, as the format requires). */
export const META = {
  arch: 'rfl.arch',
  shape: 'rfl.input_shape_chw',
  classes: 'rfl.num_classes',
  classNames: 'rfl.class_names',
  source: 'rfl.checkpoint',
} as const;

export interface ExportedModel {
  file: string;
  tensors: number;
  parameters: number;
}

/** Writes the checkpoint in `dir` as a safetensors state_dict to `outFile` (atomically). */
export async function exportCheckpointSafetensors(
  dir: string,
  outFile: string,
): Promise<ExportedModel> {
  if (fs.existsSync(outFile))
    throw new DataFormatError(
      outFile,
      'already exists: remove it or choose another --out (nothing was overwritten)',
    );
  const ckpt = await loadCheckpoint(dir);
  try {
    const sd = toStateDict(ckpt.model, ckpt.arch);
    const [h, w, c] = ckpt.manifest.inputShape;
    const metadata: Record<string, string> = {
      format: 'pt',
      [META.arch]: ckpt.arch,
      [META.shape]: `${c},${h},${w}`,
      [META.classes]: String(ckpt.manifest.numClasses),
      [META.source]: dir,
    };
    if (ckpt.manifest.classNames)
      metadata[META.classNames] = JSON.stringify(ckpt.manifest.classNames);
    writeFileAtomic(outFile, encodeSafetensors(sd, metadata));
    let parameters = 0;
    for (const [name, t] of sd)
      if (!name.endsWith('num_batches_tracked') && !name.includes('running_'))
        parameters += t.shape.reduce((a, b) => a * b, 1);
    return { file: outFile, tensors: sd.size, parameters };
  } finally {
    ckpt.model.dispose();
  }
}

export interface ImportOptions {
  from: string;
  /** Default: the file's rfl.arch metadata (files this tool exported). */
  arch?: ArchName;
  /** [h, w, c]; default: the file's rfl.input_shape_chw metadata. */
  inputShape?: [number, number, number];
  out: string;
  /** The dataset spec the weights were trained on (the checkpoint's default test set). */
  dataset?: string;
  classNames?: string[];
}

/** Reads a safetensors state_dict into a new checkpoint folder `out`. Returns its manifest. */
export async function importSafetensors(o: ImportOptions): Promise<CheckpointManifest> {
  if (fs.existsSync(path.join(o.out, 'model.json')))
    throw new DataFormatError(
      o.out,
      'already holds a checkpoint: choose another --out folder (nothing was overwritten)',
    );
  const file = decodeSafetensors(await readFileBytes(o.from), o.from);
  const meta = file.metadata;
  const metaArch = meta[META.arch];
  const arch = o.arch ?? (metaArch ? parseArch(metaArch) : undefined);
  if (!arch)
    throw new DataFormatError(
      o.from,
      `names no architecture in its metadata: pass --model ${ARCHS.join('|')}`,
    );
  let shape = o.inputShape;
  const metaShape = meta[META.shape];
  if (!shape && metaShape) {
    const [c, h, w] = metaShape.split(',').map(Number) as [number, number, number];
    shape = [h, w, c];
  }
  if (!shape)
    throw new DataFormatError(
      o.from,
      'names no input shape in its metadata: pass --shape HxWxC (e.g. 32x32x3)',
    );
  const head = file.tensors.get('logits.weight');
  if (!head || head.shape.length !== 2)
    throw new DataFormatError(
      o.from,
      `has no 2-D tensor 'logits.weight' (the zoo's final linear layer, [classes, features]): is it a state_dict of python/rfl_zoo.py's ${arch}?`,
    );
  const numClasses = head.shape[0]!;
  if (numClasses < 2)
    throw new DataFormatError(
      o.from,
      `'logits.weight' has ${numClasses} row(s): a classifier needs ≥ 2 classes`,
    );
  const built = buildModel(arch, { inputShape: shape, numClasses, seed: 0 });
  try {
    loadStateDict(
      built.model,
      arch,
      file.tensors,
      o.from,
      `for ${shape.join('×')} images and ${numClasses} classes`,
    );
    fs.mkdirSync(o.out, { recursive: true });
    await writeModelFiles(o.out, built.model);
    let classNames = o.classNames;
    const metaNames = meta[META.classNames];
    if (!classNames && metaNames) {
      try {
        const names = JSON.parse(metaNames) as unknown;
        if (Array.isArray(names) && names.length === numClasses) classNames = names.map(String);
      } catch {
        // Names are a courtesy; a file without readable ones imports all the same.
      }
    }
    const manifest: CheckpointManifest = {
      kind: 'checkpoint',
      arch,
      inputShape: shape,
      numClasses,
      ...(classNames ? { classNames } : {}),
      dataset: o.dataset ?? '',
      training: { importedFrom: path.resolve(o.from), format: 'safetensors', metadata: meta },
      seed: 0,
      backend: backendLabel(),
      versions: versions(),
      epochsDone: 0,
      timings: { trainSec: 0 },
      createdAt: new Date().toISOString(),
    };
    writeJsonAtomic(path.join(o.out, 'manifest.json'), manifest);
    return manifest;
  } finally {
    built.model.dispose();
  }
}
