/**
 * Our wasm loops (src/engine/kernels/wasm/simd.ts's ourLoops) compile, each on its own and as
 * the one module, on plain and shared memory, with unique names. A malformed loop used to turn
 * every kernel of ours off silently (simdFor fell back to the stock kernels); simdFor now
 * throws, and this names the loop first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ourLoops } from '../../../src/engine/kernels/wasm/simd';
import { assemble } from '../../../src/engine/kernels/wasm/wasmAsm';
import { relaxedSimd } from '../../../src/engine/kernels/wasm/relaxedSimd';

test('every loop of our module compiles, alone and together, on plain and shared memory', () => {
  relaxedSimd(); // turns V8's relaxed-SIMD flag on where that is what it takes, as simd.ts does
  const loops = ourLoops();
  const names = loops.map((fn) => fn.name);
  assert.equal(new Set(names).size, names.length, `duplicate loop names: ${names.join(', ')}`);
  for (const shared of [false, true]) {
    const bad = loops.filter((fn) => !WebAssembly.validate(assemble([fn], shared)));
    assert.deepEqual(
      bad.map((fn) => fn.name),
      [],
      `loops that do not compile (shared memory: ${shared})`,
    );
    assert.ok(WebAssembly.validate(assemble(loops, shared)), 'the whole module');
  }
});
