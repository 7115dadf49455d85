/**
 * A model in inference mode with each convolution's batch norm folded into the convolution: in
 * inference mode batch norm is a fixed per-channel affine map, y = s·z + t with
 * s = γ/√(moving variance + ε) and t = β − s·moving mean, so conv(x, W) followed by it equals
 * conv(x, W·s) + t, and a ReLU right after it becomes the fused convolution's activation. One
 * FusedConv2D kernel then does what took a convolution, a batch-norm pass and a ReLU pass over
 * the activations, and the input gradient (PGD, inversion, gradient maps, AutoAttack) skips the
 * batch norm's and the ReLU's passes too.
 *
 * Not bit-identical to the unfolded model: W·s is rounded once per weight instead of z·s once per
 * activation, so logits differ in the last bits (test/unit/models/foldedInference.test.ts bounds
 * the difference). The folded weights are computed from the layers' current variables at every
 * call, so a model being trained is always attacked with its current weights. Training mode is
 * untouched (batch statistics cannot be folded).
 *
 * The graph is run layer by layer in the container's own (topological) order; anything this
 * does not recognise (a layer applied more than once, nested models, masks) runs through the
 * container's own apply.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ConvFields } from './reluConv2d';

type Layer = tfl.layers.Layer;
type Node = Layer['inboundNodes'][number];

/** BatchNormalization's fields we read. */
interface BnFields {
  axis: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor };
  movingVariance: { read(): tf.Tensor };
}

/** A convolution with its batch norm (and the ReLU after that) folded in. */
interface Fold {
  conv: Layer;
  bn: Layer;
  /** The ReLU activation layer after the batch norm, if folded too. */
  relu?: Layer;
}
type Step = { layer: Layer; node: Node } | { fold: Fold; node: Node; outNode: Node };
interface Plan {
  steps: Step[];
  inputIds: number[];
  outputIds: number[];
}

/** Whether inference folds batch norms; tests and bench/profile-kernels.ts flip it for an A/B. */
export const foldedInferenceOn = { on: true };

const plans = new WeakMap<tfl.LayersModel, Plan | null>();

/** `container.apply(x, { training: false })`, with batch norms folded where the graph allows. */
export function inferenceApply(container: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  const plan = foldedInferenceOn.on ? planOf(container) : null;
  if (!plan) return container.apply(x, { training: false }) as tf.Tensor;
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>([[plan.inputIds[0]!, x]]);
    const get = (id: number) => values.get(id)!;
    for (const s of plan.steps) {
      if ('layer' in s) {
        const ins = s.node.inputTensors.map((t) => get(t.id));
        const out = s.layer.apply(ins.length === 1 ? ins[0]! : ins, { training: false });
        values.set(s.node.outputTensors[0]!.id, out as tf.Tensor);
      } else {
        values.set(
          s.outNode.outputTensors[0]!.id,
          foldedConv(s.fold, get(s.node.inputTensors[0]!.id)),
        );
      }
    }
    return get(plan.outputIds[0]!);
  });
}

function foldedConv({ conv, bn, relu }: Fold, x: tf.Tensor): tf.Tensor {
  const c = conv as unknown as ConvFields;
  const b = bn as unknown as BnFields;
  const mean = b.movingMean.read();
  let s = tf.rsqrt(tf.add(b.movingVariance.read(), b.epsilon));
  if (b.scale && b.gamma) s = tf.mul(b.gamma.read(), s);
  // t = β − s·mean, plus s·bias where the convolution has one.
  let t = tf.neg(tf.mul(s, mean));
  if (c.bias) t = tf.add(t, tf.mul(s, c.bias.read()));
  if (b.center && b.beta) t = tf.add(b.beta.read(), t);
  return tf.engine().runKernel<tf.Tensor>(
    'FusedConv2D',
    { x, filter: tf.mul(c.kernel.read(), s), bias: t },
    {
      strides: c.strides,
      pad: c.padding,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      activation: relu ? 'relu' : 'linear',
    },
  );
}

const activationOf = (l: Layer) => (l.getConfig() as { activation?: unknown }).activation;

/** The one layer that reads `l`'s output, if there is exactly one. */
function soleConsumer(l: Layer): Layer | undefined {
  return l.outboundNodes.length === 1 ? l.outboundNodes[0]!.outboundLayer : undefined;
}

function foldable(conv: Layer, outputIds: Set<number>): Fold | undefined {
  const c = conv as unknown as ConvFields;
  if (
    conv.getClassName() !== 'Conv2D' ||
    c.activation.getClassName() !== 'linear' ||
    c.dataFormat !== 'channelsLast' ||
    !(c.padding === 'same' || c.padding === 'valid') ||
    !c.dilationRate.every((d) => d === 1) ||
    outputIds.has(conv.inboundNodes[0]!.outputTensors[0]!.id)
  )
    return undefined;
  const bn = soleConsumer(conv);
  if (!bn || bn.getClassName() !== 'BatchNormalization' || bn.inboundNodes.length !== 1)
    return undefined;
  const axis = (bn as unknown as BnFields).axis;
  if (!(axis === -1 || axis === 3)) return undefined;
  const next = soleConsumer(bn);
  const reluFolds =
    next !== undefined &&
    !outputIds.has(bn.inboundNodes[0]!.outputTensors[0]!.id) &&
    next.getClassName() === 'Activation' &&
    activationOf(next) === 'relu' &&
    next.inboundNodes.length === 1;
  return { conv, bn, relu: reluFolds ? next : undefined };
}

function planOf(container: tfl.LayersModel): Plan | null {
  if (plans.has(container)) return plans.get(container)!;
  const plan = makePlan(container);
  plans.set(container, plan);
  return plan;
}

function makePlan(container: tfl.LayersModel): Plan | null {
  if (container.inputs.length !== 1 || container.outputs.length !== 1) return null;
  const inputIds = container.inputs.map((t) => t.id);
  const outputIds = container.outputs.map((t) => t.id);
  const outputSet = new Set(outputIds);
  const known = new Set(inputIds);
  const steps: Step[] = [];
  const folded = new Set<Layer>();
  let folds = 0;
  for (const layer of container.layers) {
    if (layer.getClassName() === 'InputLayer' || folded.has(layer)) continue;
    // Layers applied more than once, nested models and multi-output layers: the stock path.
    if (layer.inboundNodes.length !== 1 || layer instanceof tfl.LayersModel) return null;
    const node = layer.inboundNodes[0]!;
    if (node.outputTensors.length !== 1 || !node.inputTensors.every((t) => known.has(t.id)))
      return null;
    const fold = foldable(layer, outputSet);
    if (fold) {
      const last = fold.relu ?? fold.bn;
      folded.add(fold.bn);
      if (fold.relu) folded.add(fold.relu);
      const outNode = last.inboundNodes[0]!;
      steps.push({ fold, node, outNode });
      known.add(outNode.outputTensors[0]!.id);
      folds++;
    } else {
      steps.push({ layer, node });
      known.add(node.outputTensors[0]!.id);
    }
  }
  // Nothing to fold: the container's own apply is the same work with less bookkeeping.
  return folds > 0 && outputIds.every((id) => known.has(id))
    ? { steps, inputIds, outputIds }
    : null;
}
