/**
 * A/B of the row-block size of our GEMM loop's calls (outerProducts.ts) on the filter-gradient
 * products of the ResNet's and VGG's convolutions at batch 128 (28×28 input, 16–64 channels):
 * one thread, the variants alternating so that a shared machine's load hits all alike. Reports
 * the median process CPU time per product and checks that all variants write the same bytes.
 * Usage: npx tsx bench/ab-gemm.ts [reps=7] [KiB per block, comma-separated: 1024,128]
 */
import { assemble } from '../src/engine/kernels/wasm/wasmAsm';
import { outerAcc } from '../src/engine/kernels/matmul/simdGemm';
import { outerCalls, type OuterOperands } from '../src/engine/kernels/matmul/outerProducts';
import { relaxedSimd } from '../src/engine/kernels/wasm/relaxedSimd';

const reps = Number(process.argv[2] ?? 7);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const fma = relaxedSimd();
// Bytes of a and b per block of rows (outerProducts.ts), in KiB.
const variants = (process.argv[3] ?? '1024,128').split(',').map((k) => Number(k) * 1024);

// [name, rows (the contraction), aCols, bCols]: the products out = aᵀb whose rows outnumber a
// block (a and b read row by row: a's rows hold its columns).
const cases: Array<[string, number, number, number]> = [
  ['resnet winograd dW 16→16 (28)', 128 * 196, 16, 16],
  ['resnet winograd dW 32→32 (14)', 128 * 49, 32, 32],
  ['resnet winograd dW 64→64 (7)', 128 * 16, 64, 64],
  ['resnet gemm dW 16→32 s2 (14)', 128 * 196, 144, 32],
  ['resnet gemm dW 32→64 s2 (7)', 128 * 49, 288, 64],
  ['vgg winograd dW 32→32 (28)', 128 * 196, 32, 32],
  ['vgg winograd dW 32→64 (14)', 128 * 49, 32, 64],
  ['vgg winograd dW 64→64 (14)', 128 * 49, 64, 64],
];

const floats = (n: number) => n * 4;
const need = Math.max(
  ...cases.map(([, r, m, n]) => floats(r * m + r * n + variants.length * m * n)),
);
const memory = new WebAssembly.Memory({ initial: Math.ceil(need / 65536) + 1 });
const fns = [outerAcc(fma)];
const inst = new WebAssembly.Instance(new WebAssembly.Module(assemble(fns, false)), {
  env: { mem: memory },
});
const run = inst.exports as Record<string, (...args: number[]) => void>;
const heap = new Float32Array(memory.buffer);
for (let i = 0; i < heap.length; i++) heap[i] = Math.random() - 0.5;

console.log(`relaxed madd: ${fma}; median process CPU ms over ${reps} alternating reps`);
for (const [name, rows, m, n] of cases) {
  const a = 0,
    b = floats(rows * m),
    outs = variants.map((_, v) => b + floats(rows * n) + v * floats(m * n));
  const operands = (out: number): OuterOperands => ({
    a,
    aCols: m,
    aStride: floats(m),
    aColStride: 4,
    b,
    bCols: n,
    bStride: floats(n),
    out,
    outStride: floats(n),
    add: false,
  });
  const times = variants.map(() => [] as number[]);
  for (let rep = 0; rep <= reps; rep++) {
    variants.forEach((block, v) => {
      const t0 = process.cpuUsage();
      for (const c of outerCalls(rows, operands(outs[v]!), block)) run.outerAcc!(...c.args);
      const t = process.cpuUsage(t0);
      if (rep > 0) times[v]!.push((t.user + t.system) / 1000);
    });
  }
  const same = outs.every((o) =>
    heap.subarray(o / 4, o / 4 + m * n).every((x, i) => Object.is(x, heap[outs[0]! / 4 + i])),
  );
  const gflops = (ms: number) => ((2 * rows * m * n) / ms / 1e6).toFixed(1);
  const cols = variants.map(
    (block, v) =>
      `${block >> 10} KiB ${median(times[v]!).toFixed(1)} ms (${gflops(median(times[v]!))} GFLOPS)`,
  );
  console.log(`${name.padEnd(26)} ${cols.join('  ')}  same bytes: ${same}`);
}
