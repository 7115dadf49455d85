/**
 * Which images a load keeps (the rule is part of a run's provenance, so it is spelled out):
 * shuffle defaults to true when `limit` is set (a seeded random sample, seed 0 unless given)
 * and false otherwise (file order). The base order is the seeded permutation (or file order).
 * `limit` then takes a class-balanced subset: walking the base order, classes take turns
 * (round-robin) so per-class counts differ by at most one while every class still has images
 * left; the chosen images keep base order.
 */
import { makeRng, permutation } from './rng';

/** The indices a load keeps, in order (also for tests, and for manifests that list them). */
export function selectIndices(
  labels: ArrayLike<number>,
  numClasses: number,
  opts: { limit?: number; seed?: number; shuffle?: boolean },
): Int32Array {
  const n = labels.length;
  const limit = opts.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const shuffle = opts.shuffle ?? limit !== undefined;
  const order = shuffle
    ? permutation(n, makeRng(opts.seed ?? 0))
    : Int32Array.from({ length: n }, (_, i) => i);
  if (limit === undefined || limit >= n) return order;
  // Per-class queues in base order, then round-robin until `limit` are taken.
  const queues: number[][] = Array.from({ length: numClasses }, () => []);
  for (let k = 0; k < n; k++) queues[labels[order[k]!]!]!.push(k);
  const chosen = new Uint8Array(n); // by position in `order`
  let taken = 0;
  for (let round = 0; taken < limit; round++) {
    for (const q of queues) {
      if (round < q.length && taken < limit) {
        chosen[q[round]!] = 1;
        taken++;
      }
    }
  }
  const out = new Int32Array(limit);
  let j = 0;
  for (let k = 0; k < n; k++) if (chosen[k]) out[j++] = order[k]!;
  return out;
}
