/**
 * out += Σ_r a(r,·)ᵀ b[r,·] with our outerAcc loop (simdGemm.ts), in blocks of rows whose slices
 * of a and b fit in L2 together: outerAcc walks all its rows once per 4×8 block of out, so a
 * block of rows larger than the cache would stream both operands from memory that many times.
 */
import type { Program } from '../threads/loopThreads';

/**
 * Bytes of a and b per block of rows: half of a 256 KiB L2, the smallest per-core L2 of current
 * x86 cores (AMD's Zen 2 has 512 KiB a core), leaving room for out. The L2 is per core and each
 * thread runs its own calls, so it is the per-core size that counts, not the total.
 */
const BLOCK_BYTES = 128 * 1024;

export interface OuterOperands {
  /** a(r, i) at a + r·aStride + i·aColStride (bytes); aCols a multiple of 4. */
  a: number;
  aCols: number;
  aStride: number;
  aColStride: number;
  /** Rows of b (bCols floats, a multiple of 8) bStride bytes apart. */
  b: number;
  bCols: number;
  bStride: number;
  /** out [aCols, bCols], outStride bytes a row; accumulated into, or overwritten if !add. */
  out: number;
  outStride: number;
  add?: boolean;
}

/** The outerAcc calls for out (+)= Σ_r a(r,·)ᵀ b[r,·] over `rows` rows, as a program (loopThreads.ts). */
export function outerCalls(rows: number, o: OuterOperands, blockBytes = BLOCK_BYTES): Program {
  const block = Math.max(64, Math.floor(blockBytes / (4 * (o.aCols + o.bCols))));
  const calls: Program = [];
  for (let r0 = 0; r0 < rows; r0 += block) {
    const add = r0 > 0 || o.add !== false ? 1 : 0;
    calls.push({
      fn: 'outerAcc',
      args: [
        o.a + r0 * o.aStride,
        o.b + r0 * o.bStride,
        o.out,
        Math.min(block, rows - r0),
        o.aCols,
        o.bCols,
        o.aStride,
        o.aColStride,
        o.bStride,
        o.outStride,
        add,
      ],
    });
  }
  return calls;
}
