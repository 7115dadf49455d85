/**
 * Sends the worker's `panels/predict` request (src/worker/panelsRequests.ts) for the panels.
 * The job queue (../worker/jobQueue.ts) only runs the job kinds of workerProtocol.ts, and
 * panels/predict is not one of them, so this keeps one compute worker of its own (dist/worker.js,
 * the same process the queue forks, initialised with the same backend setting) while requests
 * come, and lets it go after a short idle time. Inference on a gallery's sets takes seconds; the
 * tensors stay in that worker, never in the extension host.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  PROTOCOL_VERSION,
  type BackendChoice,
} from '../../shared/workerProtocol';
import {
  PredictRequest,
  type PredictParams,
  type PredictResult,
} from '../../shared/panelsPredictions';

const IDLE_MS = 30_000;

export class PredictWorker {
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private ready: Promise<void> | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly tail: string[] = [];

  constructor(
    private readonly workerScript: string,
    private readonly backend: () => BackendChoice,
    private readonly log: (line: string) => void,
  ) {}

  async predict(p: PredictParams): Promise<PredictResult> {
    clearTimeout(this.idle);
    let onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
    try {
      await this.start();
      const child = this.child!;
      // A request pending when the worker dies would wait forever: fail it with the log tail.
      const exited = new Promise<never>((_, reject) => {
        onExit = (code, signal) =>
          reject(
            new Error(
              `compute worker exited (${signal ?? `code ${code}`}) while predicting:\n${this.tail.slice(-8).join('\n')}`,
            ),
          );
        child.once('exit', onExit);
      });
      return await Promise.race([this.connection!.sendRequest(PredictRequest, p), exited]);
    } finally {
      if (onExit) this.child?.off('exit', onExit);
      this.idle = setTimeout(() => this.dispose(), IDLE_MS);
      this.idle.unref();
    }
  }

  private start(): Promise<void> {
    if (this.ready && this.child && this.child.exitCode === null && !this.child.signalCode)
      return this.ready;
    // As the queue's WorkerProcess: Electron runs as Node; never inherit --inspect flags.
    const child = fork(this.workerScript, [], {
      execArgv: [],
      silent: true,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    this.child = child;
    for (const s of [child.stdout, child.stderr]) {
      s?.setEncoding('utf8');
      s?.on('data', (chunk: string) => {
        for (const line of chunk.split(/\r?\n/))
          if (line.trim()) {
            this.tail.push(line);
            if (this.tail.length > 40) this.tail.shift();
            this.log(`[predict worker ${child.pid}] ${line}`);
          }
      });
    }
    const connection = createMessageConnection(
      new IPCMessageReader(child),
      new IPCMessageWriter(child),
    );
    this.connection = connection;
    connection.listen();
    child.on('exit', () => connection.dispose());
    this.ready = connection
      .sendRequest(InitializeRequest, {
        protocolVersion: PROTOCOL_VERSION,
        backend: this.backend(),
        heartbeatMs: 0,
      })
      .then((r) => this.log(`predict worker ${r.pid}: backend ${r.backend.name}`))
      .catch((e: unknown) => {
        // The next request starts a fresh worker rather than reusing a failed start.
        this.dispose();
        throw e;
      });
    return this.ready;
  }

  dispose(): void {
    clearTimeout(this.idle);
    this.connection?.dispose();
    if (this.child && this.child.exitCode === null) this.child.kill();
    this.child = undefined;
    this.connection = undefined;
    this.ready = undefined;
  }
}
