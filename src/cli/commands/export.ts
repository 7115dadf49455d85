/**
 * `robust-features export`: a checkpoint as a PyTorch state_dict (safetensors), or a dataset as
 * torchvision's ImageFolder layout or NCHW .npy arrays.
 */
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { exportCheckpointSafetensors } from '../../engine/interop/modelFiles';
import { exportDataset, type DatasetExportFormat } from '../../engine/interop/exportDataset';

const DATASET_FORMATS: readonly DatasetExportFormat[] = ['imagefolder', 'npy-nchw'];

export const exportVerb = {
  name: 'export',
  summary: 'a checkpoint (safetensors) or a dataset (ImageFolder, NCHW .npy) for PyTorch',
  description: [
    "safetensors  the weights under PyTorch's state_dict names and layouts for python/rfl_zoo.py:",
    '             model = rfl_zoo.build(arch, (C, H, W), classes);',
    '             model.load_state_dict(rfl_zoo.load_safetensors(FILE))',
    'imagefolder  one PNG per image in one folder per class (torchvision.datasets.ImageFolder);',
    "             folders are numbered (0_T-shirt_top, ...) so ImageFolder's sorted order keeps",
    '             the labels; train/ and test/ when the dataset has both splits',
    'npy-nchw     images.npy float32 (N, C, H, W) in [0, 1] and labels.npy int64, per split',
  ].join('\n'),
  options: {
    checkpoint: {
      kind: 'string',
      arg: 'DIR',
      help: 'the checkpoint to export (with --format safetensors); or --dataset',
    },
    dataset: {
      kind: 'string',
      arg: 'SPEC',
      help: 'the dataset to export (with --format imagefolder|npy-nchw); or --checkpoint',
    },
    format: {
      kind: 'string',
      choices: ['safetensors', ...DATASET_FORMATS],
      required: true,
      help: 'safetensors for a checkpoint; imagefolder or npy-nchw for a dataset',
    },
    out: {
      kind: 'string',
      arg: 'PATH',
      required: true,
      help: 'the .safetensors file, or the dataset folder',
    },
  },
} as const satisfies VerbSpec;

export async function runExport(argv: string[]): Promise<void> {
  const o = parseVerb(exportVerb, argv);
  if (!!o.checkpoint === !!o.dataset)
    throw new UsageError('give either --checkpoint DIR or --dataset SPEC');
  if (o.checkpoint) {
    if (o.format !== 'safetensors')
      throw new UsageError(`--format for a checkpoint must be safetensors, got '${o.format}'`);
    await startBackend(o.backend, o.json);
    const r = await exportCheckpointSafetensors(o.checkpoint, o.out);
    console.log(
      o.json
        ? JSON.stringify(r)
        : `wrote ${r.file}: ${r.tensors} tensors, ${r.parameters} parameters (load with python/rfl_zoo.py)`,
    );
    return;
  }
  const format = o.format;
  if (format === 'safetensors')
    throw new UsageError(
      `--format for a dataset must be ${DATASET_FORMATS.join(' or ')}, got '${format}'`,
    );
  const r = await exportDataset(o.dataset!, format, o.out);
  console.log(
    o.json
      ? JSON.stringify(r)
      : `wrote ${r.images} images of ${r.classes} classes (${r.splits.join(', ')}) as ${format} to ${o.out}`,
  );
}
