/**
 * `robust-features export`: a checkpoint as a PyTorch state_dict (safetensors), or a dataset as
 * torchvision's ImageFolder layout or NCHW .npy arrays.
 */
import { parse, startBackend } from '../args';
import { exportCheckpointSafetensors } from '../../engine/interop/modelFiles';
import { exportDataset, type DatasetExportFormat } from '../../engine/interop/exportDataset';

const HELP = `robust-features export --checkpoint DIR --format safetensors --out FILE.safetensors
robust-features export --dataset SPEC --format imagefolder|npy-nchw --out DIR
  safetensors  the weights under PyTorch's state_dict names and layouts for python/rfl_zoo.py:
               model = rfl_zoo.build(arch, (C, H, W), classes);
               model.load_state_dict(rfl_zoo.load_safetensors(FILE))
  imagefolder  one PNG per image in one folder per class (torchvision.datasets.ImageFolder);
               folders are numbered (0_T-shirt_top, ...) so ImageFolder's sorted order keeps
               the labels; train/ and test/ when the dataset has both splits
  npy-nchw     images.npy float32 (N, C, H, W) in [0, 1] and labels.npy int64, per split`;

const DATASET_FORMATS: readonly DatasetExportFormat[] = ['imagefolder', 'npy-nchw'];

export async function runExport(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      checkpoint: { type: 'string' },
      dataset: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
    HELP,
  );
  if (!o.out || !o.format || !!o.checkpoint === !!o.dataset)
    throw new Error(`give --checkpoint DIR or --dataset SPEC, with --format and --out\n\n${HELP}`);
  if (o.checkpoint) {
    if (o.format !== 'safetensors')
      throw new Error(`--format for a checkpoint must be safetensors, got '${o.format}'`);
    await startBackend(o.backend, o.json);
    const r = await exportCheckpointSafetensors(o.checkpoint, o.out);
    console.log(
      o.json
        ? JSON.stringify(r)
        : `wrote ${r.file}: ${r.tensors} tensors, ${r.parameters} parameters (load with python/rfl_zoo.py)`,
    );
    return;
  }
  if (!(DATASET_FORMATS as readonly string[]).includes(o.format))
    throw new Error(
      `--format for a dataset must be ${DATASET_FORMATS.join(' or ')}, got '${o.format}'`,
    );
  const r = await exportDataset(o.dataset!, o.format as DatasetExportFormat, o.out);
  console.log(
    o.json
      ? JSON.stringify(r)
      : `wrote ${r.images} images of ${r.classes} classes (${r.splits.join(', ')}) as ${o.format} to ${o.out}`,
  );
}
