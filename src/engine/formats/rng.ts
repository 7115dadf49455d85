/**
 * The project's one deterministic PRNG. Every seeded choice (shuffles, subsets, random
 * starts of PGD, D_rand / D_det target labels) goes through this, so that a run's manifest
 * seed reproduces it exactly on any machine and backend (Math.random cannot be seeded, and
 * tfjs's own seeded ops differ across backends).
 *
 * Generator: mulberry32 (32-bit state, passes PractRand to 2^32 outputs; plenty for
 * shuffling and noise). The user's seed is first mixed with a splitmix-style finaliser so
 * that nearby seeds (0, 1, 2…) give unrelated streams.
 */

/** Members are plain functions (no `this`), so `Array.from({length: n}, rng.next)` works. */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  next: () => number;
  /** Uniform integer in [0, n); n must be a positive integer ≤ 2^32. */
  int: (n: number) => number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal: () => number;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle: <T extends { length: number; [i: number]: unknown }>(array: T) => T;
  /** An independent generator derived from this one (for parallel streams). */
  fork: () => Rng;
}

/** Mixes an arbitrary finite number (including non-integers and > 2^32) into 32 bits. */
function mixSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  let h = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
  // Non-integer seeds (e.g. 0.5) must not collide with their integer part.
  const frac = seed - Math.floor(seed);
  if (frac !== 0) h = (h ^ Math.imul(Math.floor(frac * 2 ** 32) >>> 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function makeRng(seed: number): Rng {
  let state = mixSeed(seed);
  let spareNormal: number | undefined;

  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };

  const rng: Rng = {
    next: () => nextU32() / 2 ** 32,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
        throw new RangeError(`rng.int(n) needs a positive integer n ≤ 2^32, got ${n}`);
      }
      // Rejection sampling: plain floor(next()*n) is biased when n does not divide 2^32.
      const limit = 2 ** 32 - (2 ** 32 % n);
      let x = nextU32();
      while (x >= limit) x = nextU32();
      return x % n;
    },
    normal(): number {
      if (spareNormal !== undefined) {
        const z = spareNormal;
        spareNormal = undefined;
        return z;
      }
      // 1 - next() is in (0, 1], so log never sees 0.
      const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
      const theta = 2 * Math.PI * rng.next();
      spareNormal = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
      for (let i = array.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const tmp = array[i];
        array[i] = array[j];
        array[j] = tmp;
      }
      return array;
    },
    fork: () => makeRng(nextU32() * 2 ** 21 + (nextU32() >>> 11)),
  };
  return rng;
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return rng.shuffle(p);
}
