/** `robust-features import --from FILE --model ARCH --shape HxWxC --out DIR`: a PyTorch state_dict in. */
import { parse, startBackend } from '../args';
import { parseArch } from '../../engine/models/registry';
import { importSafetensors } from '../../engine/interop/modelFiles';
import { parseHxWxC } from '../../engine/interop/shapes';

const HELP = `robust-features import --from FILE.safetensors --model mlp|cnn|resnet|vgg --shape HxWxC --out DIR [--data SPEC]
  Makes a checkpoint from a PyTorch state_dict of python/rfl_zoo.py's model (saved with
  rfl_zoo.save_safetensors, or safetensors.torch.save_file). --shape is the image size as
  height x width x channels (e.g. 32x32x3); the class count is read from logits.weight.
  --model and --shape may be left out for files written by 'export --format safetensors'.
  --data SPEC   the dataset the weights were trained on: eval, construct, ... test on it by default`;

export async function runImport(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      from: { type: 'string' },
      model: { type: 'string' },
      shape: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
    },
    HELP,
  );
  if (!o.from || !o.out) throw new Error(`--from FILE and --out DIR are required\n\n${HELP}`);
  await startBackend(o.backend, o.json);
  const m = await importSafetensors({
    from: o.from,
    out: o.out,
    ...(o.model ? { arch: parseArch(o.model) } : {}),
    ...(o.shape ? { inputShape: parseHxWxC(o.shape, 'shape') } : {}),
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
