/**
 * The ensemble's adversarial points, kept per example with the attack that found them, each one
 * checked by `verifyPoints` when an attack claims it and once more at the end. An attack's claim
 * that fails the check is not kept: the example stays robust and meets the next attack, as in the
 * reference, where the model's verdict on the returned point decides and not the attack's flag.
 */
import type { Dataset, JobContext } from '../types';
import type { LogitsFn } from './accuracy';
import { describeFaults, verifyPoints, type PointFault } from './verifyAdversarial';

export interface CheckOptions {
  norm: 'l2' | 'linf';
  eps: number;
  batchSize: number;
}

export class AdversarialPoints {
  /** Example index → its adversarial point (one image, row-major NHWC). */
  private readonly points = new Map<number, Float32Array>();
  /** Example index → the index of the attack that broke it. */
  private readonly by = new Map<number, number>();
  private readonly row: number;

  constructor(private readonly ds: Dataset) {
    this.row = ds.shape[1] * ds.shape[2] * ds.shape[3];
  }

  /** The attack that broke example i, if one did. */
  brokenBy(i: number): number | undefined {
    return this.by.get(i);
  }

  /**
   * Attack `attack` claims the examples `chunk[j]` with success[j], at rows j of `adv`: keeps the
   * claims that hold. Returns each claim's fault (undefined where it holds).
   */
  async claim(
    fn: LogitsFn,
    attack: number,
    chunk: number[],
    adv: Float32Array,
    success: boolean[],
    o: CheckOptions,
    ctx: JobContext,
  ): Promise<(PointFault | undefined)[]> {
    const claimed = chunk.flatMap((i, j) => (success[j] ? [{ i, j }] : []));
    const rows = new Float32Array(claimed.length * this.row);
    claimed.forEach(({ j }, m) =>
      rows.set(adv.subarray(j * this.row, (j + 1) * this.row), m * this.row),
    );
    const faults = await this.check(
      fn,
      claimed.map((c) => c.i),
      rows,
      o,
      ctx,
    );
    claimed.forEach(({ i }, m) => {
      if (faults[m]) return;
      this.points.set(i, rows.slice(m * this.row, (m + 1) * this.row));
      this.by.set(i, attack);
    });
    return faults;
  }

  /**
   * The final check of every kept point in one clean pass: the ones that no longer hold are
   * dropped (their examples count as robust). Returns the counts, and the faults in words.
   */
  async recheck(
    fn: LogitsFn,
    o: CheckOptions,
    ctx: JobContext,
  ): Promise<{ points: number; held: number; summary?: string }> {
    const idx = [...this.points.keys()].sort((a, b) => a - b);
    const rows = new Float32Array(idx.length * this.row);
    idx.forEach((i, m) => rows.set(this.points.get(i)!, m * this.row));
    const faults = await this.check(fn, idx, rows, o, ctx);
    idx.forEach((i, m) => {
      if (!faults[m]) return;
      this.points.delete(i);
      this.by.delete(i);
    });
    const held = faults.filter((f) => !f).length;
    return {
      points: idx.length,
      held,
      ...(held < idx.length ? { summary: describeFaults(faults) } : {}),
    };
  }

  private check(
    fn: LogitsFn,
    idx: number[],
    adv: Float32Array,
    o: CheckOptions,
    ctx: JobContext,
  ): Promise<(PointFault | undefined)[]> {
    const clean = new Float32Array(idx.length * this.row);
    idx.forEach((i, m) =>
      clean.set(this.ds.images.subarray(i * this.row, (i + 1) * this.row), m * this.row),
    );
    const [, h, w, c] = this.ds.shape;
    return verifyPoints(
      fn,
      {
        clean,
        adv,
        labels: Int32Array.from(idx, (i) => this.ds.labels[i]!),
        shape: [idx.length, h, w, c],
      },
      o.norm,
      o.eps,
      o.batchSize,
      ctx,
    );
  }
}
