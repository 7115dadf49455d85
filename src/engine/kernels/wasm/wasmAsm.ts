/**
 * A tiny WebAssembly assembler, enough to write a few SIMD loops that run on the tfjs wasm
 * backend's own memory. Why: plain JS loops over tensors run several times slower than wasm
 * SIMD (CHANGELOG.md, 0.1.0), and the stock tfjs-backend-wasm
 * has no fast kernel for these memory-bound passes (MaxPoolGrad, bias-gradient Sum). There is no
 * wasm toolchain in the project (and we add none), so the bytes are produced here, at runtime.
 * Only the opcodes our kernels use are listed (numbers from the WebAssembly core + SIMD specs).
 */

export const I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b;

/** Scalar opcodes. */
// An opcode table, grouped by kind a line each: formatting would give each entry a line.
// prettier-ignore
export const op = {
  end: 0x0b, else: 0x05, br: 0x0c, brIf: 0x0d, block: 0x02, loop: 0x03, if: 0x04,
  get: 0x20, set: 0x21, tee: 0x22, f32Load: 0x2a, f32Store: 0x38,
  i32Const: 0x41, i32Eqz: 0x45, i32Eq: 0x46, i32LtS: 0x48, i32GeS: 0x4e,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, f32Add: 0x92,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
// An opcode table, grouped by kind a line each: formatting would give each entry a line.
// prettier-ignore
export const simd = {
  load: 0x00, store: 0x0b, f32x4Splat: 0x13, f32x4Eq: 0x41, f32x4Ne: 0x42, f32x4Gt: 0x44,
  and: 0x4e, andNot: 0x4f, or: 0x50, bitselect: 0x52, f32x4Add: 0xe4, f32x4Sub: 0xe5,
  f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Max: 0xe9, f32x4Sqrt: 0xe3,
  extractLane: 0x1f, load32Splat: 0x09, i8x16Shuffle: 0x0d,
} as const;

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** A memory operand: alignment exponent, then the byte offset (both LEB128, so offsets of 128
 * and more take two bytes). */
export function memarg(align: number, offset: number): number[] {
  const out: number[] = [];
  uleb(align, out);
  uleb(offset, out);
  return out;
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return void out.push(b);
    out.push(b | 0x80);
  }
}

/** Builds one function body; locals are numbered after the params. */
export class Fn {
  readonly code: number[] = [];
  private readonly extra: number[] = [];
  constructor(
    readonly params: number[],
    readonly name: string,
  ) {}

  local(type: number): number {
    this.extra.push(type);
    return this.params.length + this.extra.length - 1;
  }
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    return this.emit(op.get, i);
  }
  set(i: number): this {
    return this.emit(op.set, i);
  }
  tee(i: number): this {
    return this.emit(op.tee, i);
  }
  i32(n: number): this {
    this.code.push(op.i32Const);
    sleb(n, this.code);
    return this;
  }
  f32(x: number): this {
    this.code.push(0x43, ...new Uint8Array(new Float32Array([x]).buffer));
    return this;
  }
  v(opcode: number): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    return this;
  }
  /** v128.load/store at the address on the stack (align 1: tensors need not be 16-aligned). */
  vload(): this {
    return this.v(simd.load).emit(0, 0);
  }
  vstore(): this {
    return this.v(simd.store).emit(0, 0);
  }

  /** for (i = from; i < to; i += step) body — i32; `to` is a local, `from` a constant or code. */
  forLt(i: number, from: number | (() => void), to: number, step: number, body: () => void): this {
    if (typeof from === 'number') this.i32(from);
    else from();
    this.set(i);
    this.emit(op.block, 0x40).get(i).get(to).emit(op.i32GeS, op.brIf, 0);
    this.emit(op.loop, 0x40);
    body();
    this.get(i)
      .i32(step)
      .emit(op.i32Add)
      .tee(i)
      .get(to)
      .emit(op.i32LtS, op.brIf, 0, op.end, op.end);
    return this;
  }
  /** local = local + (value pushed by `add`). */
  inc(local: number, add: () => void): this {
    this.get(local);
    add();
    return this.emit(op.i32Add).set(local);
  }

  bytes(): number[] {
    const out: number[] = [];
    const groups: Array<[number, number]> = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, out);
    for (const [n, t] of groups) {
      uleb(n, out);
      out.push(t);
    }
    out.push(...this.code, op.end);
    const sized: number[] = [];
    uleb(out.length, sized);
    return sized.concat(out);
  }
}

function section(id: number, payload: number[]): number[] {
  const out = [id];
  uleb(payload.length, out);
  return out.concat(payload);
}

function str(s: string, out: number[]): void {
  const b = Buffer.from(s, 'utf8');
  uleb(b.length, out);
  out.push(...b);
}

/** A module importing env.mem (shared when the tfjs build is threaded), exporting `fns`. */
export function assemble(fns: Fn[], sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const types: number[] = [];
  uleb(fns.length, types);
  for (const f of fns) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params, 0);
  }
  const imports: number[] = [1];
  str('env', imports);
  str('mem', imports);
  // Limits: min 1 page; a shared memory must declare a max, 65536 pages (4 GiB) admits any.
  imports.push(0x02, ...(sharedMemory ? [0x03, 1, 0x80, 0x80, 0x04] : [0x00, 1]));
  const funcs: number[] = [];
  uleb(fns.length, funcs);
  fns.forEach((_, i) => uleb(i, funcs));
  const exports: number[] = [];
  uleb(fns.length, exports);
  fns.forEach((f, i) => {
    str(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  const code: number[] = [];
  uleb(fns.length, code);
  for (const f of fns) code.push(...f.bytes());
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
