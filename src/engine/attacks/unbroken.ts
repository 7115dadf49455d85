/**
 * The bookkeeping of an attack ensemble (AutoAttack, APGD restarts and target classes, Square
 * restarts): every run attacks only the examples no earlier run has broken, and an example's
 * adversarial point is the first one found. Held in JS arrays: a batch is a few hundred small
 * images, and rows are written back by index, which tfjs has no op for.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AttackRunResult {
  /** One row per attacked example; the caller of `attackUnbroken` disposes it. */
  adv: tf.Tensor4D;
  success: boolean[];
}

export class UnbrokenSet {
  /** Row-major copy of the batch; rows of broken examples hold their adversarial points. */
  readonly adv: Float32Array;
  readonly success: boolean[];
  private readonly rowSize: number;

  constructor(
    readonly x: tf.Tensor4D,
    readonly y: tf.Tensor1D,
    initialSuccess?: boolean[],
  ) {
    this.adv = Float32Array.from(x.dataSync());
    this.rowSize = x.size / Math.max(x.shape[0], 1);
    this.success = initialSuccess
      ? [...initialSuccess]
      : new Array<boolean>(x.shape[0]).fill(false);
  }

  /** Indices of the examples still unbroken. */
  remaining(): number[] {
    const out: number[] = [];
    this.success.forEach((s, i) => {
      if (!s) out.push(i);
    });
    return out;
  }

  /** Runs `run` on the unbroken examples (skipped when none is left) and records its successes. */
  async attack(
    run: (x: tf.Tensor4D, y: tf.Tensor1D, idx: number[]) => Promise<AttackRunResult>,
  ): Promise<void> {
    const idx = this.remaining();
    if (idx.length === 0) return;
    const ids = tf.tensor1d(idx, 'int32');
    const xs = tf.gather<tf.Tensor4D>(this.x, ids);
    const ys = tf.gather<tf.Tensor1D>(this.y, ids);
    ids.dispose();
    try {
      const r = await run(xs, ys, idx);
      const rows = (await r.adv.data()) as Float32Array;
      r.adv.dispose();
      idx.forEach((i, j) => {
        if (!r.success[j]) return;
        this.success[i] = true;
        this.adv.set(rows.subarray(j * this.rowSize, (j + 1) * this.rowSize), i * this.rowSize);
      });
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  result(): AttackRunResult {
    return { adv: tf.tensor4d(this.adv, this.x.shape), success: [...this.success] };
  }
}
