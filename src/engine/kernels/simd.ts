/**
 * Our SIMD loops, instantiated on the wasm backend's memory so they read and write tensors in
 * place (pointers are byte offsets from the tensors' memoryOffset). All loops go 4 floats at a
 * time; callers handle channel counts that are not a multiple of 4 in JS.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble } from './wasmAsm';
import { poolGrad } from './simdPool';
import { copy3d, sumRows } from './simdLoops';

export interface Simd {
  /** dx[window] += dy where x[window] is the window's first maximum (channels 0..cBytes/4). */
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
  /** dst[p][r][c] = src[p][r][c·colStep] (strides in bytes, len in floats): strided 3-D copy. */
  copy3d(
    src: number,
    dst: number,
    planes: number,
    srcPlane: number,
    dstPlane: number,
    rows: number,
    srcRow: number,
    dstRow: number,
    len: number,
    colStep: number,
  ): void;
  /** dst[0..vecBytes) += Σ_r src[r·rowStride + ·], f32. */
  sumRows(src: number, dst: number, rows: number, vecBytes: number, rowStride: number): void;
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
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (memory) {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = assemble([poolGrad(), sumRows(), copy3d()], shared);
    if (WebAssembly.validate(bytes)) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { mem: memory },
      });
      result = inst.exports as unknown as Simd;
    }
  }
  cache.set(mod, result);
  return result;
}
