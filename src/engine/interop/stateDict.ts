/**
 * The zoo's weights under PyTorch's `state_dict` names and layouts, as python/rfl_zoo.py builds
 * the same networks: conv kernels OIHW (tfjs: HWIO), dense weights (out, in) (tfjs: (in, out)),
 * BatchNorm weight/bias/running_mean/running_var/num_batches_tracked (tfjs: gamma/beta/
 * moving_mean/moving_variance). The first dense layer after a flatten also has its input rows
 * permuted: tfjs flattens an NHWC activation as (h, w, c), PyTorch an NCHW one as (c, h, w).
 *
 * Names: mlp fc1, fc2; cnn, cnn-wide and vgg conv1…convN, fc1; resnet and resnet-deep as
 * torchvision's ResNet (conv1, bn1, layerK.B.conv1/bn1/conv2/bn2, layerK.B.downsample.0/1); every
 * arch's head is `logits`; densenet conv0, blockK.I.bn/conv, transK.bn/conv, bn_final; inception
 * conv1, incK.b1/b3_reduce/b3/b5_reduce/b5a/b5b/pool_proj.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataFormatError } from '../formats/errors';
import type { ArchName } from '../models/registry';
import { f32Tensor, i64Tensor, toFloat32, type SafeTensor } from './safetensors';
import { denseFromTorch, denseToTorch, flattenPerm, hwioToOihw, oihwToHwio } from './layouts';

type Layer = tfl.layers.Layer;
type Kind = 'conv' | 'dense' | 'bn';

/** One weighted tfjs layer and the torch module it becomes. */
export interface Slot {
  layer: Layer;
  prefix: string;
  kind: Kind;
  /** For a dense layer fed by a flatten: the [h, w, c] shape it flattens. */
  flattenFrom?: [number, number, number];
}

/** Residual blocks per stage of the ResNets (registry.ts). */
const RESNET_BLOCKS: Partial<Record<ArchName, number>> = { resnet: 1, 'resnet-deep': 3 };

/** 'n' before an arch spoken with a vowel first (an inception, an mlp). */
const an = (arch: string): string => (/^[aeiou]|^mlp/.test(arch) ? 'n' : '');

const KINDS: Record<string, Kind> = { Conv2D: 'conv', Dense: 'dense', BatchNormalization: 'bn' };
const kindOf = (l: Layer): Kind | undefined => KINDS[l.getClassName()];

function inbound(l: Layer): Layer[] {
  return l.inboundNodes[0]?.inboundLayers ?? [];
}

function flattenShape(dense: Layer): [number, number, number] | undefined {
  const src = inbound(dense)[0];
  if (!src || src.getClassName() !== 'Flatten') return undefined;
  const s = (src.getInputAt(0) as tfl.SymbolicTensor).shape.slice(1);
  return s.length === 3 ? (s as [number, number, number]) : undefined;
}

/** The weighted layers of a zoo model with their torch names, in state_dict order. */
export function torchSlots(model: tfl.LayersModel, arch: ArchName): Slot[] {
  const weighted = model.layers.filter((l) => l.weights.length > 0);
  const blocks = RESNET_BLOCKS[arch];
  const slots = blocks
    ? resnetSlots(model, blocks)
    : arch === 'densenet'
      ? densenetSlots(weighted)
      : arch === 'inception'
        ? inceptionSlots(model)
        : chainSlots(weighted);
  if (slots.length !== weighted.length || new Set(slots.map((s) => s.layer)).size !== slots.length)
    throw new Error(
      `the ${arch} model's layers do not match the ${arch} of the zoo (${weighted.length} weighted layers, ${slots.length} mapped)`,
    );
  return slots;
}

/** mlp, cnn, cnn-wide, vgg: a chain, so model order is build order. */
function chainSlots(weighted: Layer[]): Slot[] {
  let conv = 0;
  let dense = 0;
  return weighted.map((layer, i) => {
    const kind = kindOf(layer);
    if (kind === 'conv') return { layer, kind, prefix: `conv${++conv}` };
    if (kind !== 'dense') throw new Error(`unexpected ${layer.getClassName()} layer in a chain`);
    const prefix = i === weighted.length - 1 ? 'logits' : `fc${++dense}`;
    const from = flattenShape(layer);
    return { layer, kind, prefix, ...(from ? { flattenFrom: from } : {}) };
  });
}

/** Slots named one by one, each checked to be a layer of the kind its name needs. */
function collector(arch: ArchName) {
  const slots: Slot[] = [];
  const take = (layer: Layer | undefined, kind: Kind, prefix: string): Layer => {
    if (!layer || kindOf(layer) !== kind)
      throw new Error(
        `${arch}: expected a ${kind} layer for ${prefix}, found ${layer?.getClassName()}`,
      );
    slots.push({ layer, kind, prefix });
    return layer;
  };
  return { slots, take };
}

const outbound = (l: Layer): Layer | undefined => l.outboundNodes[0]?.outboundLayer;

/**
 * densenet: every weighted layer depends on the one before, so model order is build order:
 * conv0, then BN → conv pairs, each a dense layer (its conv feeds a Concatenate: blockK.I) or a
 * transition (its conv feeds the average pool: transK, and the next block begins), then the
 * final BN and the head.
 */
function densenetSlots(weighted: Layer[]): Slot[] {
  const { slots, take } = collector('densenet');
  take(weighted[0], 'conv', 'conv0');
  let [block, i] = [1, 0];
  for (let j = 1; j < weighted.length - 2; j += 2) {
    const conv = weighted[j + 1];
    const dense = conv && outbound(conv)?.getClassName() === 'Concatenate';
    const p = dense ? `block${block}.${i++}` : `trans${block}`;
    take(weighted[j], 'bn', `${p}.bn`);
    take(conv, 'conv', `${p}.conv`);
    if (!dense) [block, i] = [block + 1, 0];
  }
  take(weighted.at(-2), 'bn', 'bn_final');
  take(weighted.at(-1), 'dense', 'logits');
  return slots;
}

/**
 * inception: the branches of a module sit at equal depths, so the names follow the graph: each
 * Concatenate joins [b1, b3, b5, pool branch]; b3 ← b3_reduce, b5b ← b5a ← b5_reduce (their ReLUs
 * are fused into the convolutions), pool_proj ← max-pool.
 */
function inceptionSlots(model: tfl.LayersModel): Slot[] {
  const { slots, take } = collector('inception');
  take(
    model.layers.find(
      (l) => kindOf(l) === 'conv' && inbound(l)[0]?.getClassName() === 'InputLayer',
    ),
    'conv',
    'conv1',
  );
  model.layers
    .filter((l) => l.getClassName() === 'Concatenate')
    .forEach((cat, k) => {
      const p = `inc${k + 1}`;
      const [b1, b3, b5, bp] = inbound(cat);
      take(b1, 'conv', `${p}.b1`);
      take(inbound(take(b3, 'conv', `${p}.b3`))[0], 'conv', `${p}.b3_reduce`);
      const b5a = inbound(take(b5, 'conv', `${p}.b5b`))[0];
      take(inbound(take(b5a, 'conv', `${p}.b5a`))[0], 'conv', `${p}.b5_reduce`);
      take(bp, 'conv', `${p}.pool_proj`);
    });
  take(model.getLayer('logits'), 'dense', 'logits');
  return slots;
}

/**
 * resnet, resnet-deep: tfjs orders a block's main-path and shortcut layers by depth, interleaved,
 * so the names follow the graph instead: each Add joins [main path, shortcut]; the main path
 * walks back bn2 ← conv2 ← relu ← bn1 ← conv1, a projected shortcut bn ← conv. The Adds come in
 * depth order, `blocks` to a stage.
 */
function resnetSlots(model: tfl.LayersModel, blocks: number): Slot[] {
  const { slots, take } = collector('resnet');
  const stemBn = model.layers.find(
    (l) => kindOf(l) === 'bn' && inbound(inbound(l)[0]!)[0]?.getClassName() === 'InputLayer',
  );
  take(inbound(stemBn!)[0], 'conv', 'conv1');
  take(stemBn, 'bn', 'bn1');
  const adds = model.layers.filter((l) => l.getClassName() === 'Add');
  adds.forEach((add, k) => {
    const p = `layer${Math.floor(k / blocks) + 1}.${k % blocks}`;
    const [main, shortcut] = inbound(add);
    const bn2 = main!;
    const conv2 = inbound(bn2)[0];
    const bn1 = inbound(inbound(conv2!)[0]!)[0];
    const conv1 = inbound(bn1!)[0];
    take(conv1, 'conv', `${p}.conv1`);
    take(bn1, 'bn', `${p}.bn1`);
    take(conv2, 'conv', `${p}.conv2`);
    take(bn2, 'bn', `${p}.bn2`);
    if (shortcut && kindOf(shortcut) === 'bn') {
      take(inbound(shortcut)[0], 'conv', `${p}.downsample.0`);
      take(shortcut, 'bn', `${p}.downsample.1`);
    }
  });
  take(model.getLayer('logits'), 'dense', 'logits');
  return slots;
}

/** What each tfjs weight of a layer is called in torch, by the tfjs weight's own name. */
const BN_NAMES: Record<string, string> = {
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

function torchName(slot: Slot, tfName: string): string {
  const base = tfName.split('/').pop()!.replace(/_\d+$/, '');
  if (slot.kind === 'bn') {
    const n = BN_NAMES[base];
    if (!n) throw new Error(`unexpected BatchNormalization weight ${tfName}`);
    return `${slot.prefix}.${n}`;
  }
  if (base === 'kernel') return `${slot.prefix}.weight`;
  if (base === 'bias') return `${slot.prefix}.bias`;
  throw new Error(`unexpected weight ${tfName}`);
}

/** torch shape of a tfjs weight. */
function torchShape(slot: Slot, tfShape: number[], isKernel: boolean): number[] {
  if (!isKernel) return tfShape;
  if (slot.kind === 'conv') return [tfShape[3]!, tfShape[2]!, tfShape[0]!, tfShape[1]!];
  return [tfShape[1]!, tfShape[0]!];
}

/** The model's weights as a PyTorch state_dict (names, layouts, num_batches_tracked). */
export function toStateDict(model: tfl.LayersModel, arch: ArchName): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const slot of torchSlots(model, arch)) {
    const values = slot.layer.getWeights();
    slot.layer.weights.forEach((w, i) => {
      const data = values[i]!.dataSync() as Float32Array;
      const isKernel = torchName(slot, w.name).endsWith('.weight') && slot.kind !== 'bn';
      let t = data;
      if (isKernel && slot.kind === 'conv') t = hwioToOihw(data, w.shape as number[]);
      if (isKernel && slot.kind === 'dense')
        t = denseToTorch(data, w.shape as number[], flattenPerm(slot.flattenFrom, w.shape[0]!));
      out.set(
        torchName(slot, w.name),
        f32Tensor(t, torchShape(slot, w.shape as number[], isKernel)),
      );
    });
    // tfjs keeps no count of batches seen. PyTorch uses it only when momentum=None (a
    // cumulative average), which the zoo's BatchNorm (momentum 0.1) does not: 0 is harmless.
    if (slot.kind === 'bn') out.set(`${slot.prefix}.num_batches_tracked`, i64Tensor([0], []));
  }
  return out;
}

/**
 * Sets the model's weights from a PyTorch state_dict. Every tensor the zoo's arch needs must be
 * there with its exact shape, and nothing else may be: a mismatch names the tensor, both
 * shapes and what to check. `file` is named in every message.
 */
export function loadStateDict(
  model: tfl.LayersModel,
  arch: ArchName,
  tensors: Map<string, SafeTensor>,
  file: string,
  hint: string,
): void {
  const used = new Set<string>();
  // tidy: a mismatch found halfway frees the tensors made so far; setWeights keeps its own refs.
  tf.tidy(() => {
    const pending: [Layer, tf.Tensor[]][] = [];
    for (const slot of torchSlots(model, arch)) {
      const values = slot.layer.weights.map((w) => {
        const name = torchName(slot, w.name);
        const isKernel = name.endsWith('.weight') && slot.kind !== 'bn';
        const want = torchShape(slot, w.shape as number[], isKernel);
        const t = tensors.get(name);
        if (!t)
          throw new DataFormatError(
            file,
            `has no tensor '${name}' (shape [${want.join(', ')}]), which a${an(arch)} ${arch} needs: is it a state_dict of python/rfl_zoo.py's ${arch}?`,
          );
        if (t.shape.join() !== want.join())
          throw new DataFormatError(
            file,
            `tensor '${name}' is [${t.shape.join(', ')}] but a${an(arch)} ${arch} ${hint} needs [${want.join(', ')}]: check --model, --shape and the class count`,
          );
        used.add(name);
        let data = toFloat32(t);
        if (isKernel && slot.kind === 'conv') data = oihwToHwio(data, w.shape as number[]);
        if (isKernel && slot.kind === 'dense')
          data = denseFromTorch(
            data,
            w.shape as number[],
            flattenPerm(slot.flattenFrom, w.shape[0]!),
          );
        for (let i = 0; i < data.length; i++)
          if (!Number.isFinite(data[i]))
            throw new DataFormatError(file, `tensor '${name}' holds ${data[i]} at element ${i}`);
        return tf.tensor(data, w.shape as number[]);
      });
      if (slot.kind === 'bn') used.add(`${slot.prefix}.num_batches_tracked`);
      pending.push([slot.layer, values]);
    }
    const extra = [...tensors.keys()].filter((k) => !used.has(k));
    if (extra.length)
      throw new DataFormatError(
        file,
        `has tensors a${an(arch)} ${arch} does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''} (another architecture? see python/rfl_zoo.py)`,
      );
    for (const [layer, values] of pending) layer.setWeights(values);
  });
}
