/**
 * Relaxed SIMD (f32x4.relaxed_madd: a·b + c, one fused multiply-add where the CPU has FMA) for
 * our GEMM loop (simdGemm.ts): more products per second than mul-then-add (CHANGELOG.md, 0.1.0,
 * "Our GEMM loop, fused multiply-adds …"). The proposal is
 * standard and on by default from V8 11.4 (Node 22, Electron ≥ 25, so VS Code's extension host);
 * Node 20's V8 11.3 has it complete but behind `--experimental-wasm-relaxed-simd`, which V8 reads
 * when it compiles a module, so turning it on before our first module is compiled works (checked
 * by validating a probe module again; if that fails we keep mul + add). RFL_WASM_FMA=0 opts out.
 * Results: a fused product rounds once instead of twice, so sums differ from XNNPACK's and the
 * cpu backend's in the last bits, and between CPUs with and without FMA.
 */
import * as v8 from 'node:v8';

/** (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))) */
function probe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b];
  const code = [1, body.length, ...body];
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    1,
    5,
    1,
    0x60,
    0,
    1,
    0x7b,
    3,
    2,
    1,
    0,
    10,
    code.length,
    ...code,
  ]);
}

let available: boolean | undefined;

/** Whether our modules may use relaxed_madd (turning V8's flag on if that is what it takes). */
export function relaxedSimd(): boolean {
  if (available !== undefined) return available;
  if (process.env.RFL_WASM_FMA === '0') return (available = false);
  const bytes = probe();
  available = WebAssembly.validate(bytes);
  if (!available) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      available = WebAssembly.validate(bytes);
    } catch {
      available = false;
    }
  }
  return available;
}
