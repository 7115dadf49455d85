/** `robust-features import --from FILE --model ARCH --shape HxWxC --out DIR`: a PyTorch state_dict in. */
import { startBackend } from '../args';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { ARCHS } from '../../engine/models/registry';
import { importSafetensors } from '../../engine/interop/modelFiles';
import { parseHxWxC } from '../../engine/interop/shapes';
import { errorMessage } from '../../shared/errorMessage';

export const importVerb = {
  name: 'import',
  summary: 'a PyTorch state_dict (safetensors) as a checkpoint',
  description: [
    "Makes a checkpoint from a PyTorch state_dict of python/rfl_zoo.py's model (saved with",
    'rfl_zoo.save_safetensors, or safetensors.torch.save_file). The class count is read from',
    "logits.weight. --model and --shape may be left out for files written by 'export --format",
    "safetensors'.",
  ].join('\n'),
  options: {
    from: { kind: 'string', arg: 'FILE', required: true, help: 'the .safetensors file' },
    model: {
      kind: 'string',
      choices: ARCHS,
      defaultText: 'from the file, when export wrote it',
      help: 'architecture',
    },
    shape: {
      kind: 'string',
      arg: 'HxWxC',
      defaultText: 'from the file, when export wrote it',
      help: 'image size as height x width x channels (e.g. 32x32x3)',
    },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'checkpoint folder to write' },
    data: {
      kind: 'string',
      arg: 'SPEC',
      help: 'the dataset the weights were trained on: eval, construct, ... test on it by default',
    },
  },
} as const satisfies VerbSpec;

export async function runImport(argv: string[]): Promise<void> {
  const o = parseVerb(importVerb, argv);
  let inputShape;
  try {
    inputShape = o.shape === undefined ? undefined : parseHxWxC(o.shape, 'shape');
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  await startBackend(o.backend, o.json);
  const m = await importSafetensors({
    from: o.from,
    out: o.out,
    ...(o.model ? { arch: o.model } : {}),
    ...(inputShape ? { inputShape } : {}),
    ...(o.data ? { dataset: o.data } : {}),
  });
  console.log(
    o.json
      ? JSON.stringify({
          out: o.out,
          arch: m.arch,
          inputShape: m.inputShape,
          numClasses: m.numClasses,
        })
      : `imported ${o.from}: a ${m.arch} for ${m.inputShape.join('×')} images, ${m.numClasses} classes → ${o.out}`,
  );
}
