/**
 * Multi-threaded wasm (XNNPACK over a pthreadpool) under Node.
 *
 * tfjs-backend-wasm 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT=false under Node (tfjs issue 3830)
 * although its Emscripten glue does support Node: it runs pthreads on worker_threads. What breaks
 * is how tfjs hands the glue its two scripts: as Blob URLs (the pthread worker script, and the
 * module factory the worker must load), which worker_threads cannot start or read. So we:
 *  1. wrap worker_threads.Worker (the Emscripten glue picks it up when the factory runs) so that
 *     a blob: URL starts the real worker script (tfjs exports its text; we write it to a temp
 *     file), and the 'load' message points the worker at the factory file (wasm-out/…js)
 *     instead of the Blob;
 *  2. force the flag and set the thread count before tf.setBackend('wasm') initialises;
 *  3. let os.cpus() report 2n CPUs until the first pthread starts: the C++ side caps the pool at
 *     os.cpus().length / 2 ("x86 has 2 hyper-threads per core"), i.e. at 1 thread on 2 vCPUs.
 * Call enableWasmThreads() once, after importing tfjs-backend-wasm and before the backend starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import { errorMessage } from '../../../shared/errorMessage';
import { processAlive } from '../../formats/atomic';

const requireHere = createRequire(__filename);
let enabled = 0;
let failure: string | undefined;

/**
 * Thread count from a setting: a number, or 'auto': the CPUs Node may use (at most 4) on the
 * main thread, 1 inside a worker thread (e.g. the dataset-construction pool, which already runs
 * one wasm instance per core: pthreads there would only contend, at +90 MB per instance).
 */
export function resolveThreads(setting: number | string | undefined): number {
  const auto = setting === undefined || setting === '' || setting === 'auto';
  const n = auto ? (isMainThread ? Math.min(os.availableParallelism(), 4) : 1) : Number(setting);
  return Number.isFinite(n) ? Math.max(1, Math.min(Math.floor(n), 8)) : 1;
}

/**
 * Switches the (not yet initialised) wasm backend to the threaded build with `threads` threads.
 * Returns the count that will be used: 1 when threads are off or could not be set up (see
 * wasmThreadsFailure()).
 */
export function enableWasmThreads(threads: number): number {
  if (enabled) return enabled;
  if (threads <= 1) return (enabled = 1);
  try {
    patchWorker(padCpus(2 * threads));
  } catch (e) {
    failure = errorMessage(e);
    return (enabled = 1);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return (enabled = threads);
}

/** The thread count enableWasmThreads() settled on (1 before it ran). */
export function wasmThreadCount(): number {
  return enabled || 1;
}

/** Why enableWasmThreads() fell back to one thread, if it did. */
export function wasmThreadsFailure(): string | undefined {
  return failure;
}

/**
 * A file of tfjs-backend-wasm's Emscripten glue (wasm-out/): next to the bundles' wasm binaries
 * (dist/wasm, where a VSIX without node_modules must carry it) or in node_modules.
 */
function glueFile(name: string): string {
  const dirs = [path.join(__dirname, 'wasm'), path.join(__dirname, '..', 'dist', 'wasm')];
  for (const d of dirs) if (fs.existsSync(path.join(d, name))) return path.join(d, name);
  const pkg = requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'wasm-out', name);
}

const WORKER_SCRIPT = /^rfl-tfjs-wasm-[\w.-]+-(\d+)\.worker\.js$/;

/**
 * Removes the worker scripts of processes that no longer run: a process removes its own at exit,
 * but one that was killed (SIGKILL, the OOM killer) cannot, and each job leaves one more.
 */
export function removeOrphanedWorkerScripts(dir = os.tmpdir()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(WORKER_SCRIPT.exec(n)?.[1] ?? NaN);
    if (Number.isNaN(pid) || pid === process.pid || processAlive(pid)) continue;
    fs.rmSync(path.join(dir, n), { force: true });
  }
}

/** The pthread worker script tfjs ships as a string; written once per process. */
function workerScriptFile(): string {
  const src = glueFile('tfjs-backend-wasm-threaded-simd.worker.js');
  const { wasmWorkerContents } = requireHere(src) as { wasmWorkerContents: string };
  removeOrphanedWorkerScripts();
  const file = path.join(os.tmpdir(), `rfl-tfjs-wasm-${tf.version_core}-${process.pid}.worker.js`);
  // The text went through a JS template literal, which turned its "\n" escapes into real
  // newlines inside string literals; tfjs re-escapes them before making its Blob, and so do we.
  fs.writeFileSync(file, wasmWorkerContents.replace(/\n/g, '\\n'));
  process.once('exit', () => fs.rmSync(file, { force: true }));
  return file;
}

/** Makes os.cpus() list at least `count` entries; returns the function that undoes it. */
function padCpus(count: number): () => void {
  const osMod = requireHere('node:os') as typeof os;
  const real = osMod.cpus;
  const padded = () => {
    const list = real();
    while (list.length > 0 && list.length < count) list.push(list[list.length % list.length]!);
    return list;
  };
  Object.defineProperty(osMod, 'cpus', { value: padded, configurable: true, writable: true });
  return () =>
    Object.defineProperty(osMod, 'cpus', { value: real, configurable: true, writable: true });
}

function patchWorker(restoreCpus: () => void): void {
  const wt = requireHere('node:worker_threads') as typeof WorkerThreads;
  const Base = wt.Worker;
  const workerFile = workerScriptFile();
  const factoryFile = glueFile('tfjs-backend-wasm-threaded-simd.js');
  if (!fs.existsSync(factoryFile)) throw new Error(`${factoryFile} is missing`);
  const restore = () => {
    restoreCpus();
    Object.defineProperty(wt, 'Worker', { value: Base, configurable: true, writable: true });
  };
  class PthreadWorker extends Base {
    /** Only the Emscripten pthread workers (started from tfjs's blob: URL) are special. */
    private readonly pthread: boolean;
    constructor(url: string | URL, options?: WorkerThreads.WorkerOptions) {
      const pthread = String(url).startsWith('blob:');
      // The worker script is plain JS: it must not inherit loader hooks (e.g. tsx's --import),
      // which cost ~0.3 s per worker and Emscripten starts 8 of them.
      super(pthread ? workerFile : url, pthread ? { ...options, execArgv: [] } : options);
      this.pthread = pthread;
      // Pool threads live forever and the main thread only waits for them synchronously, so
      // they must not keep the process alive; Emscripten ref()s a worker whenever a pthread
      // starts on it, hence ref() is a no-op for them too.
      if (pthread) this.unref();
    }
    override ref(): void {
      if (!this.pthread) super.ref();
    }
    override postMessage(msg: unknown, transfer?: readonly WorkerThreads.TransferListItem[]): void {
      const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
      if (this.pthread && m?.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        msg = { ...m, urlOrBlob: factoryFile };
      }
      // A pthread starts: the glue has read the core count and keeps its own reference to this
      // class (global.Worker) for later workers, so the process-wide patches can go.
      if (this.pthread && m?.cmd === 'run') restore();
      super.postMessage(msg, transfer);
    }
  }
  // The Emscripten glue reads require("worker_threads").Worker when the module factory runs.
  Object.defineProperty(wt, 'Worker', { value: PthreadWorker, configurable: true, writable: true });
}
