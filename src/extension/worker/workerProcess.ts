/**
 * One forked compute worker (dist/worker.js) and its JSON-RPC connection. Owns the process:
 * captures stdout/stderr into a tail for crash reports, reports exit, and kills on dispose.
 * No job logic here (see jobQueue.ts); no `vscode` import, so it is testable under plain Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  HeartbeatNotification,
  InitializeRequest,
  LogNotification,
  PROTOCOL_VERSION,
  ProgressNotification,
  TrainRequest,
  ConstructRequest,
  EvaluateRequest,
  ReproduceRequest,
  TheoryRequest,
  TransferRequest,
  GradientsRequest,
  type JobRequest,
  type JobResult,
  type BackendChoice,
  type HeartbeatParams,
  type InitializeResult,
  type LogParams,
  type ProgressParams,
} from '../../shared/workerProtocol';
import { LineTail } from './lineTail';

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when we killed it (cancel grace expired, dispose, watchdog); false for a crash. */
  expected: boolean;
  /** Why, in words: set when the watchdog killed a hung worker or V8 ran out of heap. */
  cause?: 'hung' | 'out-of-memory';
  /** The sentence a failed job shows (see WorkerExitedError). */
  detail?: string;
}

export interface WorkerProcessOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Kill the worker when no heartbeat arrived for this long (it is hung: an endless loop, a
   * deadlock in native code). 0 turns it off. Default: RFL_WORKER_HANG_TIMEOUT_MS, else 120 s,
   * far above the longest synchronous step the engine takes between two yields.
   */
  hangTimeoutMs?: number;
  /**
   * V8 heap limit of the worker (--max-old-space-size), so that a leak ends in a clean
   * out-of-memory exit we can report instead of swapping the machine to a halt. Default:
   * RFL_WORKER_HEAP_MB, else Node's own limit. Tensors live in wasm memory, outside this heap.
   */
  maxHeapMB?: number;
}

const envNumber = (name: string): number | undefined => {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined;
};

/** V8's last words when the heap limit is hit (Node 18–22). */
const OOM_LINE =
  /JavaScript heap out of memory|Reached heap limit|Allocation failed - process out of memory/;

export interface WorkerEvents {
  progress: [ProgressParams];
  log: [LogParams];
  heartbeat: [HeartbeatParams];
  /** Raw stdout/stderr lines (already in `tail`). */
  output: [string];
  exit: [WorkerExit];
}

export class WorkerProcess extends EventEmitter<WorkerEvents> {
  readonly tail = new LineTail(40);
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private killing = false;
  private watchdog: NodeJS.Timeout | undefined;
  private silentWarned = false;
  private killCause: { cause: 'hung'; detail: string } | undefined;
  private sawOom = false;
  readonly hangTimeoutMs: number;
  readonly maxHeapMB: number | undefined;
  exited: WorkerExit | undefined;
  lastHeartbeat = Date.now();
  info: InitializeResult | undefined;

  constructor(workerScript: string, options: WorkerProcessOptions = {}) {
    super();
    this.hangTimeoutMs =
      options.hangTimeoutMs ?? envNumber('RFL_WORKER_HANG_TIMEOUT_MS') ?? 120_000;
    this.maxHeapMB = options.maxHeapMB ?? envNumber('RFL_WORKER_HEAP_MB');
    // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron; this makes it act as Node.
    // execArgv: never inherit the extension host's --inspect flags (port clash); only the heap limit.
    this.child = fork(workerScript, [], {
      execArgv: this.maxHeapMB ? [`--max-old-space-size=${Math.round(this.maxHeapMB)}`] : [],
      silent: true,
      // glibc reads MALLOC_ARENA_MAX at process start; it caps the per-thread malloc arenas pool threads leave behind.
      env: {
        ...process.env,
        ELECTRON_RUN_AS_NODE: '1',
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
        ...options.env,
      },
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split(/\r?\n/)) if (line.trim()) this.output(line);
      });
    }
    // Reported on 'close', once stdout/stderr are drained, so the tail holds the worker's last
    // words (V8's out-of-memory report arrives just before the abort); 'exit' plus a second
    // covers a pipe some other process keeps open.
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (this.exited) return;
      this.exited = { code, signal, expected: this.killing, ...this.describeExit(code, signal) };
      clearInterval(this.watchdog);
      this.connection.dispose();
      this.emit('exit', this.exited);
    };
    this.child.on('close', finish);
    this.child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 1000).unref());
    this.child.on('error', (e) => this.output(`worker process error: ${e.message}`));
    this.connection = createMessageConnection(
      new IPCMessageReader(this.child),
      new IPCMessageWriter(this.child),
    );
    this.connection.onNotification(ProgressNotification, (p) => this.emit('progress', p));
    this.connection.onNotification(LogNotification, (p) => {
      this.tail.push(`[${p.level}] ${p.line}`);
      this.emit('log', p);
    });
    this.connection.onNotification(HeartbeatNotification, (p) => {
      this.lastHeartbeat = Date.now();
      if (this.silentWarned)
        this.emit('log', { level: 'info', line: `worker ${p.pid} is responsive again` });
      this.silentWarned = false;
      this.emit('heartbeat', p);
    });
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  async initialize(backend: BackendChoice, heartbeatMs: number): Promise<InitializeResult> {
    // Heartbeats start only once the worker is initialised: until then the hang limit applies
    // to the handshake itself (a backend stuck while loading must not leave a job 'starting').
    const hang = this.hangTimeoutMs;
    const t0 = Date.now();
    const timer =
      hang > 0
        ? setTimeout(() => {
            if (this.exited || this.killing) return;
            const detail = `compute worker hung: no answer to initialize within ${fmtSeconds(Date.now() - t0)} (limit ${fmtSeconds(hang)}); killed`;
            this.killCause = { cause: 'hung', detail };
            this.output(`watchdog: ${detail}`);
            this.kill();
          }, hang)
        : undefined;
    timer?.unref();
    const result = await this.guard(
      this.connection.sendRequest(InitializeRequest, {
        protocolVersion: PROTOCOL_VERSION,
        backend,
        heartbeatMs,
      }),
    ).finally(() => clearTimeout(timer));
    if (result.protocolVersion !== PROTOCOL_VERSION)
      throw new Error(`worker protocol ${result.protocolVersion} ≠ ${PROTOCOL_VERSION}`);
    this.info = result;
    if (heartbeatMs > 0) this.startWatchdog(heartbeatMs);
    return result;
  }

  /** Sends the job's request; `cancel` sends $/cancelRequest, which the worker turns into an AbortSignal. */
  async run(jobId: string, req: JobRequest, cancel: CancellationTokenSource): Promise<JobResult> {
    const t = cancel.token;
    const c = this.connection;
    switch (req.kind) {
      case 'train':
        return {
          kind: 'train',
          value: await this.guard(c.sendRequest(TrainRequest, { jobId, ...req.params }, t)),
        };
      case 'construct':
        return {
          kind: 'construct',
          value: await this.guard(c.sendRequest(ConstructRequest, { jobId, ...req.params }, t)),
        };
      case 'evaluate':
        return {
          kind: 'evaluate',
          value: await this.guard(c.sendRequest(EvaluateRequest, { jobId, ...req.params }, t)),
        };
      case 'reproduce':
        return {
          kind: 'reproduce',
          value: await this.guard(c.sendRequest(ReproduceRequest, { jobId, ...req.params }, t)),
        };
      case 'theory':
        return {
          kind: 'theory',
          value: await this.guard(c.sendRequest(TheoryRequest, { jobId, ...req.params }, t)),
        };
      case 'transfer':
        return {
          kind: 'transfer',
          value: await this.guard(c.sendRequest(TransferRequest, { jobId, ...req.params }, t)),
        };
      case 'gradients':
        return {
          kind: 'gradients',
          value: await this.guard(c.sendRequest(GradientsRequest, { jobId, ...req.params }, t)),
        };
      default: {
        const never: never = req;
        throw new Error(`unknown job kind ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Watches the heartbeats. A short silence is only warned about (once per silence: a slow
   * kernel is not a fault); a silence past hangTimeoutMs means the worker is hung, and it is
   * killed, which fails its job with that reason. The check runs on the extension host's event
   * loop, which a hung worker cannot block (it is another process).
   */
  private startWatchdog(heartbeatMs: number): void {
    const hang = this.hangTimeoutMs;
    const warnMs = Math.min(Math.max(30_000, 10 * heartbeatMs), hang > 0 ? hang / 2 : Infinity);
    this.lastHeartbeat = Date.now();
    clearInterval(this.watchdog);
    this.watchdog = setInterval(
      () => {
        const silent = Date.now() - this.lastHeartbeat;
        if (hang > 0 && silent >= hang && !this.killing && !this.exited) {
          const detail = `compute worker hung: no heartbeat for ${fmtSeconds(silent)} (limit ${fmtSeconds(hang)}); killed`;
          this.killCause = { cause: 'hung', detail };
          this.output(`watchdog: ${detail}`);
          this.kill();
          return;
        }
        if (silent < warnMs || this.silentWarned) return;
        this.silentWarned = true;
        const line = `no heartbeat from worker ${this.pid} for ${fmtSeconds(silent)}: busy in a long step, or hung`;
        this.emit('log', { level: 'warn', line });
      },
      Math.max(50, Math.min(heartbeatMs, hang > 0 ? hang / 4 : heartbeatMs)),
    );
    this.watchdog.unref();
  }

  /** The cause and the sentence of an exit: hung (we killed it), out of memory, or a crash. */
  private describeExit(
    code: number | null,
    signal: NodeJS.Signals | null,
  ): Pick<WorkerExit, 'cause' | 'detail'> {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.killCause) return { cause: 'hung', detail: `${this.killCause.detail} (${how})` };
    if (this.sawOom) {
      const limit = this.maxHeapMB
        ? `heap limit ${this.maxHeapMB} MB`
        : "Node's default heap limit";
      return {
        cause: 'out-of-memory',
        detail: `compute worker ran out of memory (${limit}; ${how})`,
      };
    }
    return {};
  }

  /** SIGTERM, then SIGKILL if the process ignores it (a wasm kernel in a tight loop may). */
  kill(graceMs = 2000): void {
    if (this.exited || this.killing) return;
    this.killing = true;
    this.child.kill('SIGTERM');
    setTimeout(() => {
      if (!this.exited) this.child.kill('SIGKILL');
    }, graceMs).unref();
  }

  dispose(): void {
    this.kill(500);
  }

  private output(line: string): void {
    if (OOM_LINE.test(line)) this.sawOom = true;
    this.tail.push(line);
    this.emit('output', line);
  }

  /** A request pending when the process dies would otherwise wait forever: reject it on exit. */
  private guard<T>(request: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onExit = (e: WorkerExit) => reject(new WorkerExitedError(e, this.tail.lines()));
      if (this.exited) return onExit(this.exited);
      this.once('exit', onExit);
      request.then(resolve, reject).finally(() => this.off('exit', onExit));
    });
  }
}

export class WorkerExitedError extends Error {
  constructor(
    readonly exit: WorkerExit,
    readonly logTail: string[],
  ) {
    super(
      exit.detail ??
        `compute worker ${exit.expected ? 'was stopped' : 'crashed'} (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`,
    );
    this.name = 'WorkerExitedError';
  }
}

function fmtSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
