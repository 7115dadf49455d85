/**
 * Per-example "best iterate so far", the library's `replace_best` in `Attacker.forward`:
 * an example's stored iterate is replaced when `m·best_loss < m·loss` (strictly), with m = 1 to
 * maximise the loss (untargeted) and m = −1 to minimise it (targeted). Holding the prediction
 * too lets the attack report success at the best iterate without another forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectPerExample } from './norms';

export class BestIterate {
  x: tf.Tensor4D | undefined;
  loss: tf.Tensor1D | undefined;
  pred: tf.Tensor1D | undefined;

  constructor(private readonly m: 1 | -1) {}

  /** Considers iterate `x` (copied) with its losses and predictions (ownership taken). */
  offer(x: tf.Tensor4D, loss: tf.Tensor1D, pred: tf.Tensor1D | undefined): void {
    if (!this.x || !this.loss) {
      this.x = tf.clone(x);
      this.loss = loss;
      this.pred = pred;
      return;
    }
    const oldX = this.x;
    const oldLoss = this.loss;
    const oldPred = this.pred;
    const m = this.m;
    const replace = tf.tidy(() => tf.less<tf.Tensor1D>(tf.mul(oldLoss, m), tf.mul(loss, m)));
    this.x = selectPerExample(replace, x, oldX);
    this.loss = tf.where(replace, loss, oldLoss);
    this.pred = pred && oldPred ? tf.where(replace, pred, oldPred) : undefined;
    tf.dispose([
      replace,
      oldX,
      oldLoss,
      loss,
      ...(oldPred ? [oldPred] : []),
      ...(pred ? [pred] : []),
    ]);
  }

  /** Hands the best iterate, its loss and prediction to the caller, who then owns them. */
  release(): { adv: tf.Tensor4D; loss: tf.Tensor1D; pred?: tf.Tensor1D } {
    if (!this.x || !this.loss) throw new Error('BestIterate.release() before any offer()');
    const out = { adv: this.x, loss: this.loss, pred: this.pred };
    this.x = this.loss = this.pred = undefined;
    return out;
  }

  dispose(): void {
    const held: (tf.Tensor | undefined)[] = [this.x, this.loss, this.pred];
    tf.dispose(held.filter((t): t is tf.Tensor => t !== undefined));
    this.x = this.loss = this.pred = undefined;
  }
}
