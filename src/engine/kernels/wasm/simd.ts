/**
 * Our SIMD loops, instantiated on the wasm backend's memory so they read and write tensors in
 * place. Arguments are byte offsets (tensors' memoryOffset + …) and byte strides, except where
 * noted. Vector loops go 4 floats at a time; callers handle other channel counts.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { assemble, simd, type Fn } from './wasmAsm';
import { poolGrad } from '../pool/simdPool';
import { affineRows, strided3d, strided4d, sumRows, transpose4, zero } from './simdLoops';
import { winoDy, winoFilter, winoFilterGrad, winoIn, winoOut } from '../conv/simdWinograd';
import { F2, F4 } from '../conv/winogradTiles';
import { binaryRows, relu, reluGrad } from '../elementwise/simdElementwise';
import { outerAcc } from '../matmul/simdGemm';
import { adamUpdate } from '../optim/simdAdam';
import { conv1FilterGrad, conv1Fwd, conv1InputGrad, CONV1_CHANNELS } from '../conv/simdConv1';
import { relaxedSimd } from './relaxedSimd';
import { bnDxRows, bnGradSums, sqDevRows } from '../norm/simdBatchNorm';
import { LoopThreads } from '../threads/loopThreads';
import { wasmThreadCount } from '../threads/threads';

export interface Simd {
  /** dx[window] += dy where x[window] is the window's first maximum (see simdPool.ts). */
  poolGrad(
    x: number,
    dx: number,
    dy: number,
    rows: number,
    cols: number,
    rowStride: number,
    colStride: number,
    cBytes: number,
    count: number,
    xStep: number,
    overlap: number,
  ): void;
  /** dst[p,r,c] = src[p,r,c], or += when add=1; len counts floats. */
  strided3d(
    src: number,
    dst: number,
    planes: number,
    srcPlane: number,
    dstPlane: number,
    rows: number,
    srcRow: number,
    dstRow: number,
    len: number,
    srcCol: number,
    dstCol: number,
    add: number,
  ): void;
  /** The same with a vector of vecBytes (a multiple of 16) for each column: the channels of a
   * pixel in NHWC (im2col and col2im of convFilterGemm.ts and convInputGemm.ts). */
  strided4d(
    src: number,
    dst: number,
    planes: number,
    srcPlane: number,
    dstPlane: number,
    rows: number,
    srcRow: number,
    dstRow: number,
    cols: number,
    srcCol: number,
    dstCol: number,
    vecBytes: number,
    add: number,
  ): void;
  /** dst[0..vecBytes) += Σ_r src[r·rowStride + ·], f32. */
  sumRows(src: number, dst: number, rows: number, vecBytes: number, rowStride: number): void;
  /** Per row of rowStride bytes: dst = (src − m)·a + o, with [m | a | o] per channel at par. */
  affineRows(
    src: number,
    dst: number,
    rows: number,
    vecBytes: number,
    rowStride: number,
    par: number,
  ): void;
  /** The Winograd transforms (simdWinograd.ts) are called by name from loop programs
   * (loopThreads.ts): winoIn2/4, winoOut2/4 (+Relu), winoDy2/4, winoFilter2/4, winoFilterGrad2/4. */
  /** out[i,j] (+)= Σ_r a(r,i)·b[r,j] (simdGemm.ts); aCols a multiple of 4, bCols of 8 (floats);
   * a(r,i) at a + r·aStride + i·aColStride; add = 1 accumulates, 0 overwrites. */
  outerAcc(
    a: number,
    b: number,
    out: number,
    rows: number,
    aCols: number,
    bCols: number,
    aStride: number,
    aColStride: number,
    bStride: number,
    outStride: number,
    add: number,
  ): void;
  /** dst = srcᵀ, [rows, cols] multiples of 4, row strides in bytes (simdLoops.ts). */
  transpose4(
    src: number,
    dst: number,
    rows: number,
    cols: number,
    srcRow: number,
    dstRow: number,
  ): void;
  /** dst[0..bytes) = 0; bytes a multiple of 4 (simdLoops.ts). */
  zero(dst: number, bytes: number): void;
  /** out = dy · step(x) in one pass (simdElementwise.ts); bytes a multiple of 16. */
  reluGrad(dy: number, x: number, out: number, bytes: number): void;
  /** out = max(x, 0); bytes a multiple of 16. */
  relu(x: number, out: number, bytes: number): void;
  /** Per row: out = a + b (b advances by bRowBytes per row, 0 for a broadcast vector). */
  addRows(
    a: number,
    b: number,
    out: number,
    rows: number,
    vecBytes: number,
    rowBytes: number,
    bRowBytes: number,
  ): void;
  /** Adam's update of bytes/4 floats (simdAdam.ts): w', m', v' from w, m, v, g and the float32
   * constants at `consts` (ADAM_CONSTANTS); bytes a multiple of 16. */
  adam(
    w: number,
    m: number,
    v: number,
    g: number,
    outW: number,
    outM: number,
    outV: number,
    bytes: number,
    consts: number,
  ): void;
  /** The same with ×. */
  mulRows(
    a: number,
    b: number,
    out: number,
    rows: number,
    vecBytes: number,
    rowBytes: number,
    bRowBytes: number,
  ): void;
  /** 3×3 stride-1 convolution of a padded input of 1 (or, input gradient, 3) channels
   * (simdConv1.ts; conv1.ts calls these through loop-thread programs): forward, with relu,
   * filter and input gradients. */
  conv1Fwd1(...args: number[]): void;
  conv1Fwd1Relu(...args: number[]): void;
  conv1Dw1(...args: number[]): void;
  conv1Dx1(...args: number[]): void;
  conv1Dx3(...args: number[]): void;
  /** Batch norm in training (simdBatchNorm.ts): squared deviations, the backward pass's two
   * per-channel sums, and its input gradient. */
  sqDevRows(src: number, dst: number, rows: number, rowStride: number, m: number): void;
  bnGradSums(dy: number, x: number, dst: number, rows: number, rowStride: number, m: number): void;
  bnDxRows(dy: number, x: number, out: number, rows: number, rowStride: number, par: number): void;
}

/** Every loop of our module, each generated here (wasmAsm.ts). */
export function ourLoops(): Fn[] {
  return [
    ...[poolGrad(), sumRows(), strided3d(), affineRows()],
    ...[F2, F4].flatMap((t) => [winoIn(t), winoOut(t, false), winoOut(t, true), winoDy(t)]),
    ...[F2, F4].flatMap((t) => [winoFilter(t), winoFilterGrad(t)]),
    ...[reluGrad(), relu(), binaryRows('addRows', simd.f32x4Add)],
    binaryRows('mulRows', simd.f32x4Mul),
    outerAcc(relaxedSimd()),
    adamUpdate(),
    ...CONV1_CHANNELS.forward.flatMap((ch) => [
      conv1Fwd(relaxedSimd(), false, ch),
      conv1Fwd(relaxedSimd(), true, ch),
    ]),
    ...CONV1_CHANNELS.filter.map((ch) => conv1FilterGrad(relaxedSimd(), ch)),
    ...CONV1_CHANNELS.input.map((ch) => conv1InputGrad(relaxedSimd(), ch)),
    ...[sqDevRows(), bnGradSums(), bnDxRows()],
    strided4d(),
    zero(),
    transpose4(),
  ];
}

/**
 * Why our module does not compile: the engine lacks wasm SIMD (then the stock kernels run, as
 * they must), or one of our loops is malformed, a bug that would otherwise turn every kernel of
 * ours off without a word (3–5× slower steps): then this throws, naming the loops.
 */
function explainInvalid(shared: boolean): void {
  if (!WebAssembly.validate(assemble([zero()], shared))) return;
  const bad = ourLoops().filter((fn) => !WebAssembly.validate(assemble([fn], shared)));
  throw new Error(
    `our wasm loops do not compile: ${bad.map((fn) => fn.name).join(', ') || 'the module as a whole'}` +
      ' (a bug in their generator under src/engine/kernels; run test/unit/kernels/wasmLoops.test.ts)',
  );
}

const cache = new WeakMap<object, Simd | null>();

/** The SIMD helpers bound to this backend's memory, or null if the engine lacks wasm SIMD. */
export function simdFor(backend: BackendWasm): Simd | null {
  const mod = backend.wasm as unknown as {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  if (cache.has(mod)) return cache.get(mod)!;
  let result: Simd | null = null;
  const memory = memoryOf(backend);
  if (memory) {
    const shared = isShared(memory);
    const bytes = assemble(ourLoops(), shared);
    if (!WebAssembly.validate(bytes)) explainInvalid(shared);
    else {
      const module = new WebAssembly.Module(bytes);
      const inst = new WebAssembly.Instance(module, { env: { mem: memory } });
      result = inst.exports as unknown as Simd;
      const exports = inst.exports as unknown as Record<string, (...a: number[]) => void>;
      // Helper threads only where the memory is shared (the threaded build): one per extra
      // XNNPACK thread, so our loops use the cores XNNPACK was given.
      threadsOf.set(mod, new LoopThreads(module, memory, exports, shared ? wasmThreadCount() : 1));
    }
  }
  cache.set(mod, result);
  return result;
}

const threadsOf = new WeakMap<object, LoopThreads>();

/** Runs programs of our loops on this thread and its helpers (loopThreads.ts); null without SIMD. */
export function loopThreadsFor(backend: BackendWasm): LoopThreads | null {
  if (!simdFor(backend)) return null;
  return threadsOf.get(backend.wasm) ?? null;
}

function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const mod = backend.wasm as unknown as {
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  // The plain build exports its memory; the threaded build creates a shared one in JS.
  return mod.asm?.memory ?? mod.wasmMemory;
}

const isShared = (m: WebAssembly.Memory) =>
  typeof SharedArrayBuffer !== 'undefined' && m.buffer instanceof SharedArrayBuffer;

/** Byte address of a tensor's data on the wasm heap. */
export function addressOf(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
