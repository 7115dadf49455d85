/**
 * Our SIMD loops on more than one thread. In tfjs's threaded build (threads.ts) XNNPACK runs its
 * GEMMs and convolutions on a pthread pool, but our own loops (simd.ts: Winograd transforms and
 * products, im2col, pooling and element-wise passes) ran on the calling thread only, so a
 * "2-thread" step kept one core idle for most of its time. Here each extra thread is a
 * worker_thread with its own instance of our module on the backend's shared memory. A kernel
 * hands each thread a *program* (a list of calls of our loops) over disjoint outputs; the
 * calling thread runs the first program itself, then runs any program no helper has taken yet,
 * and waits for the others (Atomics on a shared command block: no message passing, ≈
 * microseconds to wake a thread).
 *
 * Results do not depend on the thread count as long as callers split outputs, never a sum
 * (each output element is computed by the same loop over the same inputs in the same order);
 * threads.test.ts checks the kernels that split their work here against one thread, byte for byte.
 */
import { Worker } from 'node:worker_threads';

export interface Call {
  fn: string;
  args: number[];
}
export type Program = Call[];

/**
 * Int32 slots per helper: seq, done, failed, length, claimed, then the encoded program. `claimed`
 * is the last seq whose program somebody took: the helper, or the calling thread when it finished
 * its own program before the helper woke (a helper descheduled by XNNPACK's threads or the OS
 * would otherwise hold the whole kernel up while the calling thread waits).
 */
const SLOTS = 1 << 16;
const [SEQ, DONE, FAILED, LENGTH, CLAIMED, CODE] = [0, 1, 2, 3, 4, 5];

// The helper: decode and run programs until told to stop (seq < 0). After each program it spins
// for 0.25 ms before sleeping: the programs of one training step come in quick succession, and
// waking a sleeping thread costs a futex round trip through the OS each time.
const HELPER = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, names } = workerData;
const fns = names.map((n) => new WebAssembly.Instance(module, { env: { mem: memory } }).exports[n]);
let seen = 0;
for (;;) {
  let s = Atomics.load(ctl, ${SEQ});
  for (const until = performance.now() + 0.25; s === seen && performance.now() < until; ) s = Atomics.load(ctl, ${SEQ});
  if (s === seen) { Atomics.wait(ctl, ${SEQ}, seen); continue; }
  seen = s;
  if (s < 0) break;
  if (Atomics.compareExchange(ctl, ${CLAIMED}, s - 1, s) !== s - 1) continue;
  try {
    const end = ${CODE} + Atomics.load(ctl, ${LENGTH});
    for (let p = ${CODE}; p < end; ) {
      const f = fns[ctl[p]], argc = ctl[p + 1], args = new Array(argc);
      for (let i = 0; i < argc; i++) args[i] = ctl[p + 2 + i];
      f(...args);
      p += 2 + argc;
    }
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  ctl: Int32Array;
  seq: number;
}

export class LoopThreads {
  private readonly helpers: Helper[] = [];
  /** Programs handed to helper threads so far (tests check that work was shared). */
  helperPrograms = 0;
  private readonly index = new Map<string, number>();

  /**
   * `local` is this thread's instance of `module` (the exports programs[0] runs on); `threads`
   * the total count, this one included.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly local: Record<string, (...a: number[]) => void>,
    threads: number,
  ) {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    names.forEach((n, i) => this.index.set(n, i));
    for (let i = 1; i < threads; i++) {
      const ctl = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
      // execArgv: [] so that a loader hook of the parent (e.g. tsx) is not started again.
      const worker = new Worker(HELPER, {
        eval: true,
        execArgv: [],
        workerData: { module, memory, ctl, names },
      });
      worker.unref();
      this.helpers.push({ worker, ctl, seq: 0 });
    }
  }

  /** How many programs run() takes at most: this thread and its helpers. */
  get size(): number {
    return this.helpers.length + 1;
  }

  /**
   * Runs programs[0] here and programs[i] on helper i − 1 (or here, if that helper has not taken
   * it by the time programs[0] is done), and returns when all are done.
   */
  run(programs: Program[]): void {
    if (programs.length > this.size)
      throw new Error(`loopThreads: ${programs.length} programs for ${this.size} threads`);
    // A program longer than a command block (thousands of calls: e.g. an im2col over hundreds of
    // channels) runs here, after the first: same calls, same results, one thread fewer.
    const tooLong = programs.slice(1).filter((p) => encodedLength(p) > SLOTS - CODE);
    if (tooLong.length)
      programs = [programs[0] ?? [], ...programs.slice(1).filter((p) => !tooLong.includes(p))];
    const started: Helper[] = [];
    for (let i = 1; i < programs.length; i++) {
      const h = this.helpers[i - 1]!;
      this.encode(h.ctl, programs[i]!);
      h.seq++;
      Atomics.store(h.ctl, SEQ, h.seq);
      Atomics.notify(h.ctl, SEQ);
      started.push(h);
    }
    this.helperPrograms += started.length;
    let failure: Error | undefined;
    const runHere = (p: Program) => {
      try {
        for (const c of p) this.local[c.fn]!(...c.args);
      } catch (e) {
        failure ??= e instanceof Error ? e : new Error(String(e));
      }
    };
    for (const p of [programs[0] ?? [], ...tooLong]) runHere(p);
    // Programs no helper has taken yet run here, in the order given.
    const waitFor = started.filter((h, i) => {
      if (Atomics.compareExchange(h.ctl, CLAIMED, h.seq - 1, h.seq) !== h.seq - 1) return true;
      runHere(programs[i + 1]!);
      return false;
    });
    this.helperPrograms += waitFor.length - started.length;
    for (const h of waitFor) {
      let d = Atomics.load(h.ctl, DONE);
      for (let i = 0; d !== h.seq && i < 20000; i++) d = Atomics.load(h.ctl, DONE);
      // A program is one chunk of one kernel (milliseconds): a minute without an answer means
      // the helper is gone, and waiting on would hang the job.
      const deadline = Date.now() + 60_000;
      while (d !== h.seq) {
        if (Date.now() > deadline)
          throw new Error('loopThreads: a helper thread stopped answering');
        Atomics.wait(h.ctl, DONE, d, 1000);
        d = Atomics.load(h.ctl, DONE);
      }
      if (Atomics.exchange(h.ctl, FAILED, 0) !== 0)
        failure ??= new Error(
          'loopThreads: a helper thread trapped (out-of-bounds access in one of our loops)',
        );
    }
    if (failure) throw failure;
  }

  private encode(ctl: Int32Array, program: Program): void {
    let p = CODE;
    for (const c of program) {
      const fn = this.index.get(c.fn);
      if (fn === undefined) throw new Error(`loopThreads: no loop named ${c.fn}`);
      ctl[p] = fn;
      ctl[p + 1] = c.args.length;
      for (let i = 0; i < c.args.length; i++) ctl[p + 2 + i] = c.args[i]!;
      p += 2 + c.args.length;
    }
    Atomics.store(ctl, LENGTH, p - CODE);
  }

  /** Stops the helpers (tests; they are unref'd, so a process exits without this). */
  async close(): Promise<void> {
    for (const h of this.helpers) {
      Atomics.store(h.ctl, SEQ, -1);
      Atomics.notify(h.ctl, SEQ);
      await h.worker.terminate();
    }
    this.helpers.length = 0;
  }
}

/** Below this many elements a memory-bound pass runs on one thread (waking another costs µs). */
export const PARALLEL_MIN = 1 << 16;

/**
 * [start, end) ranges that split `count` units into at most `parts` near-equal pieces, each
 * boundary a multiple of `align`; one range when count < minPerPart · 2.
 */
export function splitRange(
  count: number,
  parts: number,
  align = 1,
  minPerPart = PARALLEL_MIN,
): [number, number][] {
  const k = Math.max(1, Math.min(parts, Math.floor(count / minPerPart)));
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const a = i === 0 ? 0 : Math.round((i * count) / k / align) * align;
    const b = i === k - 1 ? count : Math.round(((i + 1) * count) / k / align) * align;
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** Int32 slots a program takes in a command block. */
function encodedLength(program: Program): number {
  let n = 0;
  for (const c of program) n += 2 + c.args.length;
  return n;
}

/**
 * Splits nc images into at most `parts` contiguous ranges of near-equal size for loopThreads,
 * each starting at a row (image · tiles) that is a multiple of 4 (our GEMM's row block).
 */
export function imageParts(nc: number, tiles: number, parts: number): [number, number][] {
  const step = imagesPerBlock(tiles);
  const units = Math.ceil(nc / step);
  const k = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const a = Math.min(nc, Math.round((i * units) / k) * step),
      b = Math.min(nc, Math.round(((i + 1) * units) / k) * step);
    if (b > a) out.push([a, b]);
  }
  return out;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Images of `tiles` GEMM rows each that end on a whole 4-row block (imageParts' step). */
export const imagesPerBlock = (tiles: number): number => 4 / gcd(tiles, 4);
