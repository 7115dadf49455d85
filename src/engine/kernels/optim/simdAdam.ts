/**
 * Adam's update of one variable in one SIMD pass (adam.ts): the stock optimizer runs it as ten
 * tensor ops, each a pass over the variable and a new temporary. The float32
 * operations and their order are tfjs's AdamOptimizer.applyGradients, so the results are the same
 * to the bit:
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + (g·g)·(1−β2)
 *   w' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + w
 */
import { Fn, I32, simd, V128, op } from '../wasm/wasmAsm';

/** The constants' order in the float32 block the loop reads them from. */
export const ADAM_CONSTANTS = [
  'beta1',
  'oneMinusBeta1',
  'beta2',
  'oneMinusBeta2',
  'oneMinusAccBeta1',
  'oneMinusAccBeta2',
  'epsilon',
  'negLr',
] as const;

// Laid out by hand, one wasm operation group per line: formatting would put
// every opcode on a line of its own and hide the loop structure.
// prettier-ignore
export function adamUpdate(): Fn {
  // params: w, m, v, g, outW, outM, outV, bytes (a multiple of 16), consts (ADAM_CONSTANTS).
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32], 'adam');
  const [w, m, v, g, outW, outM, outV, bytes, consts] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local(I32);
  const k = ADAM_CONSTANTS.map(() => f.local(V128));
  const [gv, mv, vv] = [f.local(V128), f.local(V128), f.local(V128)];
  ADAM_CONSTANTS.forEach((_, c) => f.get(consts).emit(op.f32Load, 2, 4 * c).v(simd.f32x4Splat).set(k[c]!));
  const [b1, c1, b2, c2, d1, d2, eps, nlr] = k as [number, number, number, number, number, number, number, number];
  const at = (base: number) => f.get(base).get(i).emit(op.i32Add);
  f.forLt(i, 0, bytes, 16, () => {
    at(g).vload().set(gv);
    // m' = m·β1 + g·(1−β1)
    at(m).vload().get(b1).v(simd.f32x4Mul).get(gv).get(c1).v(simd.f32x4Mul).v(simd.f32x4Add).set(mv);
    // v' = v·β2 + (g·g)·(1−β2)
    at(v).vload().get(b2).v(simd.f32x4Mul).get(gv).get(gv).v(simd.f32x4Mul).get(c2).v(simd.f32x4Mul).v(simd.f32x4Add).set(vv);
    at(outM).get(mv).vstore();
    at(outV).get(vv).vstore();
    // w' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + w
    at(outW);
    f.get(mv).get(d1).v(simd.f32x4Div);
    f.get(vv).get(d2).v(simd.f32x4Div).v(simd.f32x4Sqrt).get(eps).v(simd.f32x4Add);
    f.v(simd.f32x4Div).get(nlr).v(simd.f32x4Mul);
    at(w).vload().v(simd.f32x4Add).vstore();
  });
  return f;
}
