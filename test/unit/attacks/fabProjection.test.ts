/**
 * FAB's projection onto {z : ⟨w, z⟩ = b} ∩ [0,1]ᵈ (ℓ2 and ℓ∞), checked on random small instances
 * against its definition, without an LP solver:
 *   - the point lies in the box and on the hyperplane whenever the hyperplane meets the box, and
 *     it reports `reached` exactly then;
 *   - no feasible point is closer: neither random points of the hyperplane inside the box (where
 *     segments between random box points cross it) nor points near the answer moved along the
 *     hyperplane;
 *   - when the hyperplane misses the box, the answer is the box point that comes nearest to it.
 * Values at the box faces (0 and 1) and zero weights are drawn often: images have both.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HyperplaneProjector,
  rowNorm,
  type FabNorm,
} from '../../../src/engine/attacks/fabProjection';
import { makeRng, type Rng } from '../../../src/engine/formats/rng';

// Pixels and gradients are float32 in the attack. Weights are 0 or of comparable sizes (within
// a factor 2000): with weights 1e60 apart the checks' own float arithmetic, not the projection,
// decides which points lie on the hyperplane.
const pixel = fc.oneof(fc.constant(0), fc.constant(1), fc.float({ min: 0, max: 1, noNaN: true }));
const weight = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.boolean(), fc.float({ min: Math.fround(1e-3), max: 2, noNaN: true }))
      .map(([negative, v]) => (negative ? -v : v)),
  },
);
const instance = fc.integer({ min: 1, max: 8 }).chain((d) =>
  fc.record({
    t: fc.array(pixel, { minLength: d, maxLength: d }),
    w: fc.array(weight, { minLength: d, maxLength: d }),
    // b relative to ⟨w, t⟩: from already on the hyperplane to beyond the box.
    shift: fc.oneof(
      fc.constant(0),
      fc
        .tuple(fc.boolean(), fc.double({ min: 1e-6, max: 4, noNaN: true }))
        .map(([negative, v]) => (negative ? -v : v)),
    ),
    norm: fc.constantFrom<FabNorm>('l2', 'linf'),
    seed: fc.integer({ min: 0, max: 1e6 }),
  }),
);

const dot = (a: number[], b: ArrayLike<number>) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const dist = (norm: FabNorm, a: ArrayLike<number>, b: ArrayLike<number>) =>
  rowNorm(
    norm,
    Array.from(a, (v, i) => v - b[i]!),
    0,
    a.length,
  );

/** The range of ⟨w, z⟩ over the box. */
function boxRange(w: number[]): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const v of w) {
    if (v > 0) hi += v;
    else lo += v;
  }
  return [lo, hi];
}

/** A random point of the hyperplane inside the box, if two random box points straddle it. */
function feasiblePoint(w: number[], b: number, rng: Rng): number[] | undefined {
  const corner = () => w.map(() => (rng.next() < 0.3 ? Math.round(rng.next()) : rng.next()));
  const p = corner();
  const q = corner();
  const fp = dot(w, p) - b;
  const fq = dot(w, q) - b;
  if (fp * fq > 0 || fp === fq) return undefined;
  const s = fp / (fp - fq);
  return p.map((v, i) => v + s * (q[i]! - v));
}

/** z moved by `step` along a random direction orthogonal to w (so ⟨w, ·⟩ is unchanged). */
function alongHyperplane(z: number[], w: number[], step: number, rng: Rng): number[] | undefined {
  const v = w.map(() => rng.normal());
  const ww = dot(w, w);
  const k = ww > 0 ? dot(w, v) / ww : 0;
  const u = v.map((x, i) => x - k * w[i]!);
  const n = Math.sqrt(dot(u, u));
  // No direction along the hyperplane (one pixel, say): what is left of v is rounding noise.
  if (!(n > 1e-6 * Math.sqrt(dot(v, v)))) return undefined;
  return z.map((x, i) => x + (step * u[i]!) / n);
}

const inBox = (z: number[]) => z.every((v) => v >= -1e-12 && v <= 1 + 1e-12);

describe('FAB projection onto hyperplane ∩ box', () => {
  it('lands on the hyperplane inside the box, and no feasible point is closer', () => {
    fc.assert(
      fc.property(instance, ({ t, w, shift, norm, seed }) => {
        const b = dot(w, t) + shift;
        const d = new Float64Array(t.length);
        const reached = new HyperplaneProjector(t.length).project(norm, t, 0, w, 0, b, d);
        const z = t.map((v, i) => v + d[i]!);
        const [lo, hi] = boxRange(w);
        const scale = 1 + Math.abs(b) + w.reduce((s, v) => s + Math.abs(v), 0);
        assert.ok(inBox(z), `outside the box: ${z.join(', ')}`);
        // Whether b is in [lo, hi] is decided by rounding only within a hair of its ends.
        if (Math.min(Math.abs(b - lo), Math.abs(b - hi)) > 1e-9 * scale)
          assert.equal(reached, b >= lo && b <= hi, `reached ${reached}`);
        if (!reached) {
          // The box point nearest to the hyperplane: ⟨w, z⟩ at the end of the range b lies beyond.
          assert.ok(Math.abs(dot(w, z) - (b > hi ? hi : lo)) <= 1e-9 * scale);
          return;
        }
        assert.ok(Math.abs(dot(w, z) - b) <= 1e-9 * scale, `⟨w, z⟩ − b = ${dot(w, z) - b}`);
        const mine = dist(norm, z, t);
        const rng = makeRng(seed);
        for (let k = 0; k < 200; k++) {
          const p =
            k % 2 === 0
              ? feasiblePoint(w, b, rng)
              : alongHyperplane(z, w, 10 ** -(1 + rng.int(6)), rng);
          if (!p || !inBox(p) || Math.abs(dot(w, p) - b) > 1e-12 * scale) continue;
          assert.ok(
            mine <= dist(norm, p, t) + 1e-9,
            `‖z − t‖ = ${mine} but a feasible point lies at ${dist(norm, p, t)}`,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('moves only along non-zero weights, and not at all when t is on the hyperplane', () => {
    fc.assert(
      fc.property(instance, ({ t, w, shift, norm }) => {
        const d = new Float64Array(t.length);
        const p = new HyperplaneProjector(t.length);
        p.project(norm, t, 0, w, 0, dot(w, t) + shift, d);
        w.forEach((v, i) => {
          if (v === 0) assert.equal(d[i], 0);
          assert.ok(Number.isFinite(d[i]));
        });
        p.project(norm, t, 0, w, 0, dot(w, t), d);
        assert.ok(
          d.every((v) => v === 0),
          `moved ${Array.from(d).join(', ')}`,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the closed form when the box does not bind', () => {
    // t in the middle of the box, a small shift: d = c·w/‖w‖² (ℓ2), c·sign(w)/‖w‖₁ (ℓ∞).
    const t = [0.5, 0.4, 0.6, 0.45];
    const w = [-1.1, 0.3, 0.1, 0.5];
    const c = 0.05;
    const b = dot(w, t) + c;
    const d = new Float64Array(4);
    const p = new HyperplaneProjector(4);
    p.project('l2', t, 0, w, 0, b, d);
    const ww = dot(w, w);
    w.forEach((v, i) => assert.ok(Math.abs(d[i]! - (c * v) / ww) < 1e-12));
    p.project('linf', t, 0, w, 0, b, d);
    const l1 = w.reduce((s, v) => s + Math.abs(v), 0);
    w.forEach((v, i) => assert.ok(Math.abs(d[i]! - (c * Math.sign(v)) / l1) < 1e-12));
  });

  it('reads and writes rows at offsets (a batch laid out row-major)', () => {
    const t = [9, 9, 0.5, 0.4, 0.6, 0.45];
    const w = [7, 0.2, -1.1, 0.3, 0.1, 0.5];
    const out = new Float32Array(6).fill(-7);
    const p = new HyperplaneProjector(4);
    p.project('l2', t, 2, w, 2, dot(w.slice(2), t.slice(2)) + 0.05, out, 1);
    const alone = new Float64Array(4);
    p.project('l2', t.slice(2), 0, w.slice(2), 0, dot(w.slice(2), t.slice(2)) + 0.05, alone);
    assert.equal(out[0], -7);
    assert.equal(out[5], -7);
    alone.forEach((v, i) => assert.ok(Math.abs(out[1 + i]! - v) < 1e-7));
  });
});
