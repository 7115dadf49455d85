/**
 * 'RflAdam': Adam's update of one variable as one kernel on wasm (our SIMD loop, simdAdam.ts,
 * split across our loop threads). Inputs w, m, v, g (same shape, float32); attrs beta1, beta2,
 * epsilon, lr and accBeta1/accBeta2 (β1ᵗ, β2ᵗ as the optimizer holds them, float32); outputs
 * [w', m', v']. The same float32 operations as tfjs's AdamOptimizer, so the same bits
 * (train/fusedAdam.ts uses it and falls back to tfjs's own update where it is not registered).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapF32, Scope, TI } from '../wasm/call';
import { splitRange } from '../threads/loopThreads';
import { addressOf, loopThreadsFor, simdFor } from '../wasm/simd';
import { ADAM_CONSTANTS } from './simdAdam';

export const FUSED_ADAM = 'RflAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  lr: number;
  accBeta1: number;
  accBeta2: number;
}

/** The loop's constants, each rounded to float32 where tfjs makes it a float32 scalar. */
export function adamConstants(a: AdamAttrs): Record<(typeof ADAM_CONSTANTS)[number], number> {
  const f = Math.fround;
  return {
    beta1: f(a.beta1),
    oneMinusBeta1: f(1 - a.beta1),
    beta2: f(a.beta2),
    oneMinusBeta2: f(1 - a.beta2),
    // sub(1, accBeta): a float32 subtraction of float32 values.
    oneMinusAccBeta1: f(1 - f(a.accBeta1)),
    oneMinusAccBeta2: f(1 - f(a.accBeta2)),
    epsilon: f(a.epsilon),
    negLr: f(-a.lr),
  };
}

/** One element, in JS: float64 operations each rounded to float32 are float32 operations. */
function adamElement(
  c: ReturnType<typeof adamConstants>,
  w: number,
  m: number,
  v: number,
  g: number,
): [number, number, number] {
  const f = Math.fround;
  const m1 = f(f(m * c.beta1) + f(g * c.oneMinusBeta1));
  const v1 = f(f(v * c.beta2) + f(f(g * g) * c.oneMinusBeta2));
  const denom = f(f(Math.sqrt(f(v1 / c.oneMinusAccBeta2))) + c.epsilon);
  return [f(f(f(f(m1 / c.oneMinusAccBeta1) / denom) * c.negLr) + w), m1, v1];
}

export function fusedAdam(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TI[] {
  const { w, m, v, g } = args.inputs as { w: TI; m: TI; v: TI; g: TI };
  const backend = args.backend as BackendWasm;
  const c = adamConstants(args.attrs as unknown as AdamAttrs);
  const outs = [w, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const n = w.shape.reduce((p, d) => p * d, 1);
  const vec = simdFor(backend) ? n & ~3 : 0;
  const scope = new Scope(backend);
  try {
    if (vec > 0) {
      const block = scope.make([ADAM_CONSTANTS.length]);
      heapF32(backend, block).set(ADAM_CONSTANTS.map((k) => c[k]));
      const [pw, pm, pv, pg, ow, om, ov, pc] = [w, m, v, g, ...outs, block].map((t) =>
        addressOf(backend, t),
      );
      const threads = loopThreadsFor(backend)!;
      threads.run(
        splitRange(vec, threads.size, 4).map(([a, b]) => [
          {
            fn: 'adam',
            args: [
              pw! + 4 * a,
              pm! + 4 * a,
              pv! + 4 * a,
              pg! + 4 * a,
              ow! + 4 * a,
              om! + 4 * a,
              ov! + 4 * a,
              4 * (b - a),
              pc!,
            ],
          },
        ]),
      );
    }
    if (vec < n) {
      const [ws, ms, vs, gs, nw, nm, nv] = [w, m, v, g, ...outs].map((t) => heapF32(backend, t));
      for (let i = vec; i < n; i++)
        [nw![i], nm![i], nv![i]] = adamElement(c, ws![i]!, ms![i]!, vs![i]!, gs![i]!);
    }
  } catch (e) {
    for (const o of outs) backend.disposeData(o.dataId);
    throw e;
  } finally {
    scope.dispose();
  }
  return outs;
}

export const fusedAdamConfig: tf.KernelConfig = {
  kernelName: FUSED_ADAM,
  backendName: 'wasm',
  kernelFunc: fusedAdam as tf.KernelFunc,
};
