/**
 * The compute backend ladder (docs/ARCHITECTURE.md, "Backend ladder"): tfjs-node-gpu → tfjs-node → wasm (+ our kernels) → cpu.
 * Chosen once per process; the choice and the reason each higher rung was skipped are kept so
 * that the CLI banner, the status bar and every manifest can report them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { registerWasmKernels } from '../kernels/register';
import { errorMessage } from '../../shared/errorMessage';

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_LADDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface RungReport {
  backend: BackendName;
  status: 'chosen' | 'skipped' | 'not-tried';
  reason: string;
}

export interface BackendInfo {
  /** The rung in use. */
  name: BackendName;
  /** tfjs's own backend id (e.g. 'tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Whether the name was forced by a flag/setting rather than detected. */
  forced: boolean;
  /** wasm only: SIMD and thread count in use. */
  wasmFeatures?: { simd: boolean; threads: number };
  /** Our own kernels registered on top of the backend. */
  customKernels: string[];
  ladder: RungReport[];
  tfjsVersion: string;
}

let current: BackendInfo | undefined;

const requireHere = createRequire(__filename);

function tryRequire(id: string): { ok: true } | { ok: false; reason: string } {
  try {
    requireHere(id);
    return { ok: true };
  } catch (e) {
    const msg = errorMessage(e).split('\n')[0];
    return {
      ok: false,
      reason: msg?.includes('Cannot find module')
        ? `${id} is not installed`
        : `${id} failed to load: ${msg}`,
    };
  }
}

/** Where the wasm binaries live: next to the bundle (VSIX, dist/) or in node_modules. */
export function wasmBinaryDir(): string {
  const candidates = [path.join(__dirname, 'wasm'), path.join(__dirname, '..', 'dist', 'wasm')];
  for (const c of candidates)
    if (fs.existsSync(path.join(c, 'tfjs-backend-wasm-simd.wasm'))) return c;
  const pkg = requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist');
}

async function tryWasm(
  wantThreads: number | undefined,
): Promise<
  { ok: true; features: { simd: boolean; threads: number } } | { ok: false; reason: string }
> {
  try {
    const wasm = requireHere(
      '@tensorflow/tfjs-backend-wasm',
    ) as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = wasmBinaryDir();
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': path.join(dir, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': path.join(dir, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': path.join(
        dir,
        'tfjs-backend-wasm-threaded-simd.wasm',
      ),
    });
    registerWasmKernels({ threads: wantThreads });
    if (!(await tf.setBackend('wasm')))
      return { ok: false, reason: 'tf.setBackend("wasm") returned false' };
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))
      ? wasm.getThreadsCount()
      : 1;
    return { ok: true, features: { simd: Boolean(simd), threads } };
  } catch (e) {
    return {
      ok: false,
      reason: `wasm backend failed: ${errorMessage(e)}`,
    };
  }
}

async function tryNative(
  name: 'tfjs-node-gpu' | 'tfjs-node',
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const pkg = `@tensorflow/${name}`;
  const loaded = tryRequire(pkg);
  if (!loaded.ok) return loaded;
  if (name === 'tfjs-node-gpu') {
    // tfjs-node-gpu falls back to CPU kernels silently when CUDA is missing; check for a device.
    const visible = process.env.CUDA_VISIBLE_DEVICES;
    if (visible === '' || visible === '-1')
      return { ok: false, reason: 'CUDA_VISIBLE_DEVICES hides every GPU' };
    if (!fs.existsSync('/dev/nvidia0') && !fs.existsSync('/dev/nvidiactl'))
      return { ok: false, reason: 'no CUDA device (/dev/nvidia0 missing)' };
  }
  if (!(await tf.setBackend('tensorflow')))
    return { ok: false, reason: `${pkg} loaded but its backend did not initialise` };
  return { ok: true };
}

export interface BackendOptions {
  /** wasm's threads on this thread (XNNPACK's and our loops'); default $RFL_WASM_THREADS or 'auto'. */
  threads?: number;
}

/**
 * Picks the backend. `force` names a rung to use (error if it cannot be used) or 'auto'.
 * Idempotent: the second call returns the first choice.
 */
export async function initBackend(
  force: BackendName | 'auto' = 'auto',
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (current) return current;
  const ladder: RungReport[] = [];
  const order = force === 'auto' ? BACKEND_LADDER : [force];
  let chosen: BackendInfo | undefined;
  for (const rung of BACKEND_LADDER) {
    if (chosen || !order.includes(rung)) {
      ladder.push({
        backend: rung,
        status: 'not-tried',
        reason: chosen ? `${chosen.name} chosen first` : `forced to ${force}`,
      });
      continue;
    }
    if (rung === 'wasm') {
      const r = await tryWasm(options.threads);
      if (r.ok) {
        chosen = {
          name: 'wasm',
          tfBackend: 'wasm',
          forced: force !== 'auto',
          wasmFeatures: r.features,
          customKernels: registeredCustomKernels(),
          ladder,
          tfjsVersion: tf.version_core,
        };
        ladder.push({
          backend: rung,
          status: 'chosen',
          reason: `SIMD ${r.features.simd ? 'on' : 'off'}, ${r.features.threads} thread(s), own kernels: ${registeredCustomKernels().join(', ')}`,
        });
      } else ladder.push({ backend: rung, status: 'skipped', reason: r.reason });
    } else if (rung === 'cpu') {
      requireHere('@tensorflow/tfjs-backend-cpu');
      await tf.setBackend('cpu');
      await tf.ready();
      chosen = {
        name: 'cpu',
        tfBackend: 'cpu',
        forced: force !== 'auto',
        customKernels: [],
        ladder,
        tfjsVersion: tf.version_core,
      };
      ladder.push({
        backend: rung,
        status: 'chosen',
        reason: 'pure JavaScript: slow, last resort',
      });
    } else {
      const r = await tryNative(rung);
      if (r.ok) {
        chosen = {
          name: rung,
          tfBackend: 'tensorflow',
          forced: force !== 'auto',
          customKernels: [],
          ladder,
          tfjsVersion: tf.version_core,
        };
        ladder.push({ backend: rung, status: 'chosen', reason: 'native libtensorflow' });
      } else ladder.push({ backend: rung, status: 'skipped', reason: r.reason });
    }
  }
  if (!chosen)
    throw new Error(
      `Backend '${force}' could not be used: ${ladder.map((l) => `${l.backend}: ${l.reason}`).join('; ')}`,
    );
  current = chosen;
  return chosen;
}

export function backendInfo(): BackendInfo {
  if (!current) throw new Error('initBackend() has not been called');
  return current;
}

export function parseBackendName(s: string): BackendName | 'auto' {
  if (s === 'auto' || (BACKEND_LADDER as readonly string[]).includes(s))
    return s as BackendName | 'auto';
  throw new Error(`Unknown backend '${s}': expected auto, ${BACKEND_LADDER.join(', ')}`);
}

let customKernelNames: string[] = [];
export function setRegisteredCustomKernels(names: string[]): void {
  customKernelNames = names;
}
function registeredCustomKernels(): string[] {
  return customKernelNames;
}
