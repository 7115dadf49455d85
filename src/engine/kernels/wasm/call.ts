/**
 * Lets our kernels compose the stock wasm kernels. We call their kernelFuncs directly with the
 * backend instead of going through tf ops: a kernel runs inside the engine's runKernel, and nested
 * tf ops there would be recorded on the gradient tape, show up twice in tf.profile and need
 * their own tidy. Every TensorInfo a kernelFunc returns owns one reference to its data
 * (Reshape just increments the refcount), so each is released exactly once with disposeData.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TI = tf.TensorInfo;
type Attrs = Record<string, unknown>;

/** Stock kernels we build on, looked up once (our own registrations replace some names). */
const stock = new Map<string, tf.KernelFunc>();
export function captureStockKernel(name: string): void {
  if (stock.has(name)) return;
  const k = tf.getKernel(name, 'wasm');
  if (!k)
    throw new Error(`wasm kernel ${name} is missing: import @tensorflow/tfjs-backend-wasm first`);
  stock.set(name, k.kernelFunc);
}

export class Scope {
  private readonly owned: TI[] = [];
  constructor(readonly backend: BackendWasm) {}

  /** Runs a stock wasm kernel; its output is released by dispose() unless keep() is called. */
  run(name: string, inputs: Record<string, TI>, attrs: Attrs = {}): TI {
    const f = stock.get(name) ?? captureAndGet(name);
    const out = f({
      inputs: inputs,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    }) as TI;
    this.owned.push(out);
    return out;
  }

  /** A fresh float32 output on the wasm heap, owned by the scope. */
  make(shape: number[], dtype: tf.DataType = 'float32'): TI {
    const out = this.backend.makeOutput(shape, dtype);
    this.owned.push(out);
    return out;
  }

  reshape(x: TI, shape: number[]): TI {
    return sameShape(x.shape, shape) ? x : this.run('Reshape', { x }, { shape });
  }
  transpose(x: TI, perm: number[]): TI {
    return this.run('Transpose', { x }, { perm });
  }

  /** Hands `t` to the caller (the engine), so dispose() leaves it alone. */
  keep(t: TI): TI {
    const i = this.owned.lastIndexOf(t);
    if (i >= 0) this.owned.splice(i, 1);
    // Returning one of the kernel's own inputs: the engine's output needs its own reference.
    else this.backend.incRef(t.dataId);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** A stock kernel's function, for kernels of ours that hand it the cases they do not take. */
export function stockKernel(name: string): tf.KernelFunc {
  return stock.get(name) ?? captureAndGet(name);
}

function captureAndGet(name: string): tf.KernelFunc {
  captureStockKernel(name);
  return stock.get(name)!;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Runs `body` with a scope and releases every intermediate, also when body throws. */
export function withScope(backend: tf.KernelBackend, body: (s: Scope) => TI): TI {
  const s = new Scope(backend as BackendWasm);
  try {
    return s.keep(body(s));
  } finally {
    s.dispose();
  }
}

/** Float32 view of a tensor on the wasm heap. Take views only after the last allocation:
 * malloc can grow the memory, which detaches earlier views. */
export function heapF32(backend: tf.KernelBackend, t: TI): Float32Array {
  return (backend as BackendWasm).typedArrayFromHeap(t) as Float32Array;
}
