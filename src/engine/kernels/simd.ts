/**
 * Our SIMD loops, instantiated on the wasm backend's memory so they read and write tensors in
 * place (pointers are byte offsets from the tensors' memoryOffset). All loops go 4 floats at a
 * time; callers handle channel counts that are not a multiple of 4 in JS.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assemble, Fn, I32, op, simd, V128 } from './wasmAsm';

export interface Simd {
  /** dx[window] += dy where x[window] is the window's first maximum (channels 0..cBytes/4). */
  poolGrad(x: number, dx: number, dy: number, rows: number, cols: number, rowStride: number, colStride: number,
    cBytes: number, count: number, xStep: number, overlap: number): void;
  /** dst[0..vecBytes) += Σ_r src[r·rowStride + ·], f32. */
  sumRows(src: number, dst: number, rows: number, vecBytes: number, rowStride: number): void;
}

function poolGrad(): Fn {
  // params: x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap
  const f = new Fn([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], 'poolGrad');
  const [x, dx, dy, rows, cols, rowStride, colStride, cBytes, count, xStep, overlap] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ch = f.local(I32), r = f.local(I32), c = f.local(I32), off = f.local(I32), sixteen = f.local(I32), k = f.local(I32);
  const best = f.local(V128), taken = f.local(V128), g = f.local(V128), valid = f.local(V128), m = f.local(V128), v = f.local(V128);
  const offset = () => f.get(r).get(rowStride).emit(op.i32Mul).get(c).get(colStride).emit(op.i32Mul, op.i32Add).get(ch).emit(op.i32Add).set(off);
  const window = (body: () => void) => f.forLt(r, () => f.i32(0), rows, 'one', () => f.forLt(c, () => f.i32(0), cols, 'one', () => { offset(); body(); }));
  const advance = (p: number, step: () => void) => { f.get(p); step(); f.emit(op.i32Add).set(p); };
  f.i32(16).set(sixteen);
  // `count` windows side by side along a row: x and dx move by xStep, dy by one pixel.
  f.forLt(k, () => f.i32(0), count, 'one', () => {
    f.forLt(ch, () => f.i32(0), cBytes, sixteen, () => {
      f.f32(-Infinity).v(simd.f32x4Splat).set(best);
      // best = v > best ? v : best, lane-wise: the first strictly greater value wins (cpu semantics).
      window(() => {
        f.get(x).get(off).emit(op.i32Add).vload().tee(v).get(best);
        f.get(v).get(best).v(simd.f32x4Gt).v(simd.bitselect).set(best);
      });
      f.get(dy).get(ch).emit(op.i32Add).vload().set(g);
      f.get(best).f32(-Infinity).v(simd.f32x4Splat).v(simd.f32x4Gt).set(valid);
      f.f32(0).v(simd.f32x4Splat).set(taken);
      // Only the first position equal to the max gets dy; windows of −∞/NaN pass nothing.
      window(() => {
        f.get(x).get(off).emit(op.i32Add).vload().get(best).v(simd.f32x4Eq).get(valid).v(simd.and).get(taken).v(simd.andNot).set(m);
        f.get(taken).get(m).v(simd.or).set(taken);
        f.get(dx).get(off).emit(op.i32Add);
        // Overlapping windows accumulate; otherwise each dx element is written once (dx is zeroed).
        f.get(overlap).emit(op.if, V128);
        f.get(dx).get(off).emit(op.i32Add).vload().get(m).get(g).v(simd.and).v(simd.f32x4Add);
        f.emit(op.else).get(m).get(g).v(simd.and).emit(op.end).vstore();
      });
    });
    advance(x, () => f.get(xStep));
    advance(dx, () => f.get(xStep));
    advance(dy, () => f.get(cBytes));
  });
  return f;
}

function sumRows(): Fn {
  // params: src, dst, rows, vecBytes, rowStride
  const f = new Fn([I32, I32, I32, I32, I32], 'sumRows');
  const [src, dst, rows, vecBytes, rowStride] = [0, 1, 2, 3, 4];
  const r = f.local(I32), cb = f.local(I32), sixteen = f.local(I32), row = f.local(I32);
  f.i32(16).set(sixteen);
  f.forLt(r, () => f.i32(0), rows, 'one', () => {
    f.get(src).get(r).get(rowStride).emit(op.i32Mul, op.i32Add).set(row);
    f.forLt(cb, () => f.i32(0), vecBytes, sixteen, () => {
      f.get(dst).get(cb).emit(op.i32Add);
      f.get(dst).get(cb).emit(op.i32Add).vload().get(row).get(cb).emit(op.i32Add).vload().v(simd.f32x4Add).vstore();
    });
  });
  return f;
}

const cache = new WeakMap<object, Simd | null>();

/** The SIMD helpers bound to this backend's memory, or null if the engine lacks wasm SIMD. */
export function simdFor(backend: BackendWasm): Simd | null {
  const mod = backend.wasm as unknown as { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  if (cache.has(mod)) return cache.get(mod)!;
  let result: Simd | null = null;
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (memory) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = assemble([poolGrad(), sumRows()], shared);
    if (WebAssembly.validate(bytes)) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
      result = inst.exports as unknown as Simd;
    }
  }
  cache.set(mod, result);
  return result;
}
