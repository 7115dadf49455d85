/**
 * The zoo's weights under PyTorch's `state_dict` names and layouts, as python/rfl_zoo.py builds
 * the same networks: conv kernels OIHW (tfjs: HWIO), dense weights (out, in) (tfjs: (in, out)),
 * BatchNorm weight/bias/running_mean/running_var/num_batches_tracked (tfjs: gamma/beta/
 * moving_mean/moving_variance). The first dense layer after a flatten also has its input rows
 * permuted: tfjs flattens an NHWC activation as (h, w, c), PyTorch an NCHW one as (c, h, w).
 *
 * Names: mlp fc1, fc2; cnn, cnn-wide and vgg conv1…convN, fc1; resnet and resnet-deep as
 * torchvision's ResNet (conv1, bn1, layerK.B.conv1/bn1/conv2/bn2, layerK.B.downsample.0/1); every
 * arch's head is `logits`. densenet and inception have no twin in rfl_zoo.py yet.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataFormatError } from '../formats/errors';
import { ARCHS, TORCH_ARCHS, type ArchName } from '../models/registry';
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

/**
 * Refuses an arch without a twin in python/rfl_zoo.py, naming `file` (the checkpoint or the
 * state_dict) and what the user can do instead.
 */
export function assertTorchArch(arch: ArchName, file: string): void {
  if (TORCH_ARCHS.includes(arch)) return;
  const others = ARCHS.filter((a) => a !== arch && !TORCH_ARCHS.includes(a));
  throw new DataFormatError(
    file,
    `the ${arch} has no PyTorch twin in python/rfl_zoo.py yet${others.length ? ` (nor has ${others.join(', ')})` : ''}, so its weights have no state_dict names: models move to and from PyTorch as ${TORCH_ARCHS.join(', ')}; the datasets of any model export with --format imagefolder or npy-nchw`,
  );
}

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
  const slots = blocks ? resnetSlots(model, blocks) : chainSlots(weighted);
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

/**
 * resnet, resnet-deep: tfjs orders a block's main-path and shortcut layers by depth, interleaved,
 * so the names follow the graph instead: each Add joins [main path, shortcut]; the main path
 * walks back bn2 ← conv2 ← relu ← bn1 ← conv1, a projected shortcut bn ← conv. The Adds come in
 * depth order, `blocks` to a stage.
 */
function resnetSlots(model: tfl.LayersModel, blocks: number): Slot[] {
  const slots: Slot[] = [];
  const take = (layer: Layer | undefined, kind: Kind, prefix: string): Layer => {
    if (!layer || kindOf(layer) !== kind)
      throw new Error(
        `resnet: expected a ${kind} layer for ${prefix}, found ${layer?.getClassName()}`,
      );
    slots.push({ layer, kind, prefix });
    return layer;
  };
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
            `has no tensor '${name}' (shape [${want.join(', ')}]), which a ${arch} needs: is it a state_dict of python/rfl_zoo.py's ${arch}?`,
          );
        if (t.shape.join() !== want.join())
          throw new DataFormatError(
            file,
            `tensor '${name}' is [${t.shape.join(', ')}] but a ${arch} ${hint} needs [${want.join(', ')}]: check --model, --shape and the class count`,
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
        `has tensors a ${arch} does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''} (another architecture? see python/rfl_zoo.py)`,
      );
    for (const [layer, values] of pending) layer.setWeights(values);
  });
}
