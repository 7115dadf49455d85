/**
 * Does a checkpoint fit a dataset? Asked wherever the two meet, before any tensor work: tfjs's
 * own answer comes later and names a layer ("expected axis 3 of input shape to have value 3"),
 * not the checkpoint or the data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export class ShapeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeMismatchError';
  }
}

interface Expects {
  inputShape: readonly number[];
  numClasses: number;
}

interface DataShape {
  shape: readonly number[];
  numClasses: number;
  source: string;
}

const dims = (s: readonly number[]) => s.join('×');

/**
 * Throws ShapeMismatchError, e.g. "checkpoint runs/x expects 32×32×3 images; fashion-mnist has
 * 28×28×1", with what to do about it.
 */
export function assertCheckpointFits(dir: string, m: Expects, data: DataShape): void {
  const has = data.shape.slice(1);
  if (dims(has) !== dims(m.inputShape)) {
    const [h, w, c] = m.inputShape;
    const sameChannels = has[2] === c;
    throw new ShapeMismatchError(
      `checkpoint ${dir} expects ${dims(m.inputShape)} images; ${data.source} has ${dims(has)}. ` +
        (sameChannels
          ? `Use data of that size (an image folder resizes with --size ${h}x${w}), or a checkpoint trained on this data`
          : `The channel counts differ (${c} vs ${has[2]}): use a checkpoint trained on this data`),
    );
  }
  if (m.numClasses !== data.numClasses)
    throw new ShapeMismatchError(
      `checkpoint ${dir} has ${m.numClasses} classes; ${data.source} has ${data.numClasses}. Use a checkpoint trained on this data` +
        (data.source.startsWith('npy:') ? ' (or set the class count with --classes)' : ''),
    );
}

/** A snapshot's or checkpoint's model.json: input [h, w, c] and output units, if it says. */
export function modelJsonShape(dir: string): Expects | undefined {
  try {
    const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      modelTopology?: {
        config?: { layers?: { class_name?: string; config?: Record<string, unknown> }[] };
      };
    };
    const layers = mj.modelTopology?.config?.layers ?? [];
    const input = layers.find((l) => l.class_name === 'InputLayer')?.config?.batch_input_shape;
    const units = layers.find((l) => l.config?.name === 'logits')?.config?.units;
    if (!Array.isArray(input) || typeof units !== 'number') return undefined;
    return { inputShape: (input as number[]).slice(1), numClasses: units };
  } catch {
    // Unreadable here: the loader that follows reports it with the file's name.
    return undefined;
  }
}
