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
  /** True when we killed it (cancel grace expired, dispose); false for a crash. */
  expected: boolean;
}

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
  exited: WorkerExit | undefined;
  lastHeartbeat = Date.now();
  info: InitializeResult | undefined;

  constructor(workerScript: string, env: NodeJS.ProcessEnv = {}) {
    super();
    // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron; this makes it act as Node.
    // execArgv []: never inherit the extension host's --inspect flags (port clash).
    this.child = fork(workerScript, [], {
      execArgv: [],
      silent: true,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...env },
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split(/\r?\n/)) if (line.trim()) this.output(line);
      });
    }
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal, expected: this.killing };
      clearInterval(this.watchdog);
      this.connection.dispose();
      this.emit('exit', this.exited);
    });
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
    const result = await this.guard(
      this.connection.sendRequest(InitializeRequest, {
        protocolVersion: PROTOCOL_VERSION,
        backend,
        heartbeatMs,
      }),
    );
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
      default: {
        const never: never = req;
        throw new Error(`unknown job kind ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Warns (once per silence) when heartbeats stop: the worker is stuck in a long synchronous
   * step or hung. Only a warning: a slow kernel is not a fault; Cancel Job can still kill it.
   */
  private startWatchdog(heartbeatMs: number): void {
    const silentMs = Math.max(30_000, 10 * heartbeatMs);
    this.lastHeartbeat = Date.now();
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastHeartbeat;
      if (silent < silentMs || this.silentWarned) return;
      this.silentWarned = true;
      const line = `no heartbeat from worker ${this.pid} for ${Math.round(silent / 1000)} s: busy in a long step, or hung`;
      this.emit('log', { level: 'warn', line });
    }, heartbeatMs);
    this.watchdog.unref();
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
      `compute worker ${exit.expected ? 'was stopped' : 'crashed'} (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`,
    );
    this.name = 'WorkerExitedError';
  }
}
