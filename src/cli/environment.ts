/**
 * The RFL_* environment variables the CLI reads (directly or through the engine), for the
 * general help. A test greps src/ for process.env.RFL_ and fails when one is missing here.
 */
export const ENVIRONMENT: readonly { name: string; help: string }[] = [
  { name: 'RFL_BACKEND', help: 'default of --backend (auto, tfjs-node-gpu, tfjs-node, wasm, cpu)' },
  {
    name: 'RFL_POOL_SIZE',
    help: 'default of --pool: worker threads for construct, reproduce and transfer (default: one per core)',
  },
  {
    name: 'RFL_WASM_THREADS',
    help: "threads of the wasm backend's kernels on one thread of work (a count or auto)",
  },
  { name: 'RFL_WASM_FMA', help: '0 turns off the relaxed-SIMD fused multiply-add kernels' },
  { name: 'RFL_DEBUG', help: 'set: print the stack trace of an error, not only its message' },
  {
    name: 'RFL_TEST_KILL',
    help: 'test hook (point@n[:where]): the process kills itself there, to test resumption',
  },
];

export function environmentHelp(): string[] {
  return ENVIRONMENT.map((e) => `  ${e.name.padEnd(18)} ${e.help}`);
}
