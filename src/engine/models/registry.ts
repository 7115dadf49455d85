/**
 * Model registry. Every architecture is sized by the input shape and exposes its representation
 * layer g(x): the input of the final linear layer, which the paper's D_R / D_NR construction
 * matches (paper §3.1, min ‖g(x_r) − g(x)‖₂).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { buildMlp } from './mlp';
import { buildCnn } from './cnn';
import { buildResnet } from './resnet';
import { buildVgg } from './vgg';
import { buildDensenet } from './densenet';
import { buildInception } from './inception';
import { SeededInit } from './init';

export type ArchName =
  'mlp' | 'cnn' | 'resnet' | 'vgg' | 'densenet' | 'inception' | 'cnn-wide' | 'resnet-deep';
export const ARCHS: readonly ArchName[] = [
  'mlp',
  'cnn',
  'resnet',
  'vgg',
  'densenet',
  'inception',
  'cnn-wide',
  'resnet-deep',
];

export interface ArchSpec {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
}

/** What a builder returns: the representation g(x) as a symbolic tensor, before the linear head. */
export type ArchBuilder = (input: tfl.SymbolicTensor, init: SeededInit) => tfl.SymbolicTensor;

export const ARCH_DESCRIPTIONS: Record<ArchName, string> = {
  mlp: 'flatten → dense 256 → dense 128 → linear',
  cnn: 'conv3×3 32 → maxpool → conv3×3 64 → maxpool → dense 128 → linear (the reference workload)',
  resnet:
    'small ResNet: conv 16, three stages of basic blocks (16, 32, 64; stride 2 between), global average pool → linear',
  vgg: 'small VGG: [conv 32, conv 32, pool] [conv 64, conv 64, pool] → dense 128 → linear',
  densenet:
    'small DenseNet: conv 24, three dense blocks of 4 BN-ReLU-conv layers (growth 12) with 1×1 transitions and average pools, global average pool → linear',
  inception:
    'small Inception: conv 32 → pool, two modules (1×1; 1×1→3×3; 1×1→3×3→3×3; pool→1×1) with a pool between, global average pool → linear',
  'cnn-wide': 'the cnn at twice the width: conv 64 → pool → conv 128 → pool → dense 256 → linear',
  'resnet-deep':
    'the small ResNet at three times the depth: three basic blocks per stage (ResNet-20 layout)',
};

const builders: Record<ArchName, ArchBuilder> = {
  mlp: buildMlp,
  cnn: buildCnn,
  resnet: buildResnet,
  vgg: buildVgg,
  densenet: buildDensenet,
  inception: buildInception,
  'cnn-wide': (input, init) => buildCnn(input, init, { convs: [64, 128], dense: 256 }),
  'resnet-deep': (input, init) => buildResnet(input, init, 3),
};

export interface BuiltModel {
  arch: ArchName;
  /** inputs → logits */
  model: tfl.LayersModel;
  /** inputs → g(x), sharing weights with `model` */
  representation: tfl.LayersModel;
}

export function parseArch(name: string): ArchName {
  if ((ARCHS as readonly string[]).includes(name)) return name as ArchName;
  throw new Error(`Unknown model '${name}': expected one of ${ARCHS.join(', ')}`);
}

export function buildModel(arch: ArchName, spec: ArchSpec): BuiltModel {
  const init = new SeededInit(spec.seed);
  const input = tfl.input({ shape: spec.inputShape, name: 'image' });
  const rep = builders[arch](input, init);
  const logits = tfl.layers
    .dense({ units: spec.numClasses, name: 'logits', ...init.dense() })
    .apply(rep) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits, name: arch });
  return { arch, model, representation: representationOf(model) };
}

/** g(x) as a symbolic tensor: the input of the final linear layer (named 'logits'). */
export function representationTensor(model: tfl.LayersModel): tfl.SymbolicTensor {
  return model.getLayer('logits').getInputAt(0) as tfl.SymbolicTensor;
}

/** The sub-model from the input to g(x). */
export function representationOf(model: tfl.LayersModel): tfl.LayersModel {
  return tfl.model({
    inputs: model.inputs,
    outputs: representationTensor(model),
    name: `${model.name}_g`,
  });
}
