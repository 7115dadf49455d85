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
import type * as WorkerThreads from 'node:worker_threads';

const requireHere = createRequire(__filename);
let enabled = 0;

export function enableWasmThreads(threads = os.availableParallelism()): number {
  if (enabled) return enabled;
  const n = Math.max(1, Math.min(threads, 8));
  if (n === 1) return (enabled = 1);
  patchWorker(padCpus(2 * n));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(n);
  return (enabled = n);
}

function wasmOutDir(): string {
  return path.join(
    path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'wasm-out',
  );
}

/** The pthread worker script tfjs ships as a string; written once per tfjs version. */
function workerScriptFile(): string {
  const src = path.join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.worker.js');
  const { wasmWorkerContents } = requireHere(src) as { wasmWorkerContents: string };
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
  const factoryFile = path.join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.js');
  class PthreadWorker extends Base {
    constructor(url: string | URL, options?: WorkerThreads.WorkerOptions) {
      super(String(url).startsWith('blob:') ? workerFile : url, options);
      // Pool threads live forever, and the main thread only ever waits for them synchronously:
      // they must not keep the process alive. Emscripten ref()s a worker whenever a pthread
      // starts on it, so ref() is disabled too.
      this.unref();
    }
    override ref(): void {}
    override postMessage(msg: unknown, transfer?: readonly WorkerThreads.TransferListItem[]): void {
      const m = msg as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string')
        msg = { ...m, urlOrBlob: factoryFile };
      // The pool is being created, so the core count has been read: stop pretending.
      if (m && m.cmd === 'run') restoreCpus();
      super.postMessage(msg, transfer);
    }
  }
  // The Emscripten glue reads require("worker_threads").Worker when the module factory runs.
  Object.defineProperty(wt, 'Worker', { value: PthreadWorker, configurable: true, writable: true });
}
