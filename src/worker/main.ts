/**
 * The compute worker: a child process (child_process.fork from the extension host) that runs
 * engine operations behind the JSON-RPC contract in src/shared/workerProtocol.ts.
 * It exists so that tensor work, native crashes and memory growth never touch the extension
 * host (docs/ARCHITECTURE.md, "Processes"). No `vscode` import here: this file also runs under plain Node in tests.
 */
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type CancellationToken,
} from 'vscode-jsonrpc/node';
import {
  HeartbeatNotification,
  InitializeRequest,
  LogNotification,
  PROTOCOL_VERSION,
  TrainRequest,
  ConstructRequest,
  EvaluateRequest,
  ReproduceRequest,
  TheoryRequest,
  TransferRequest,
  GradientsRequest,
  WorkerErrorCodes,
  type JobRequest,
  type JobResult,
} from '../shared/workerProtocol';
import { initBackend } from '../engine/backend/ladder';
import { defaultPoolSize, wasmThreadsForPool } from '../engine/pool/pool';
import { runOperation } from './operations';
import { registerPanelsRequests } from './panelsRequests';
import { JobRunner } from './jobRunner';
import { forwardConsole } from './console';
import { maybeInjectFault } from './testFaults';

if (!process.send) {
  console.error('robust-features worker: must be started with child_process.fork (no IPC channel)');
  process.exit(2);
}

const connection = createMessageConnection(
  new IPCMessageReader(process),
  new IPCMessageWriter(process),
);
const runner = new JobRunner(connection);
forwardConsole(connection, () => runner.currentJobId);

let initialized = false;
let heartbeat: NodeJS.Timeout | undefined;

connection.onRequest(InitializeRequest, async (params) => {
  if (params.protocolVersion !== PROTOCOL_VERSION) {
    throw runner.error(
      WorkerErrorCodes.ProtocolMismatch,
      `worker speaks protocol ${PROTOCOL_VERSION}, client ${params.protocolVersion}`,
    );
  }
  maybeInjectFault('initialize'); // test hook: a no-op unless RFL_TEST_WORKER_FAULT=hang-init
  // The worker's jobs run on a pool of defaultPoolSize(); a pool of one gets one core (pool.ts).
  const backend = await initBackend(params.backend, {
    threads: wasmThreadsForPool(defaultPoolSize()),
  });
  initialized = true;
  clearInterval(heartbeat);
  if (params.heartbeatMs > 0) {
    // unref: a heartbeat alone must not keep an orphaned worker alive.
    heartbeat = setInterval(() => {
      void connection.sendNotification(HeartbeatNotification, {
        pid: process.pid,
        uptimeSec: Math.round(process.uptime()),
        rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
        jobId: runner.currentJobId,
      });
    }, params.heartbeatMs).unref();
  }
  for (const r of backend.ladder) {
    void connection.sendNotification(LogNotification, {
      level: 'info',
      line: `backend ladder: ${r.backend} ${r.status} (${r.reason})`,
    });
  }
  return {
    protocolVersion: PROTOCOL_VERSION,
    backend,
    pid: process.pid,
    nodeVersion: process.version,
  };
});

/** Runs one job request; the response is the engine's plain result for that kind. */
function job(
  jobId: string,
  req: JobRequest,
  token: CancellationToken,
): Promise<JobResult['value']> {
  if (!initialized)
    throw runner.error(
      WorkerErrorCodes.NotInitialized,
      `initialize must be called before ${req.kind}`,
    );
  maybeInjectFault(jobId); // test hook: a no-op unless RFL_TEST_WORKER_FAULT is set (testFaults.ts)
  return runner.run(jobId, token, async (ctx) => (await runOperation(req, ctx)).value);
}
// Each response is the value runOperation returned for that same kind (see its switch).
type ValueOf<K extends JobRequest['kind']> = Extract<JobResult, { kind: K }>['value'];

connection.onRequest(
  TrainRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'train', params }, token) as Promise<ValueOf<'train'>>,
);
connection.onRequest(
  ConstructRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'construct', params }, token) as Promise<ValueOf<'construct'>>,
);
connection.onRequest(
  EvaluateRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'evaluate', params }, token) as Promise<ValueOf<'evaluate'>>,
);
connection.onRequest(
  ReproduceRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'reproduce', params }, token) as Promise<ValueOf<'reproduce'>>,
);
connection.onRequest(
  TheoryRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'theory', params }, token) as Promise<ValueOf<'theory'>>,
);
connection.onRequest(
  TransferRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'transfer', params }, token) as Promise<ValueOf<'transfer'>>,
);
connection.onRequest(
  GradientsRequest,
  ({ jobId, ...params }, token) =>
    job(jobId, { kind: 'gradients', params }, token) as Promise<ValueOf<'gradients'>>,
);

// The panels' own requests (predictions for the gallery): src/worker/panelsRequests.ts.
registerPanelsRequests(connection);

// The extension host went away (reload, crash, kill): nothing is left to report to, so exit.
process.on('disconnect', () => process.exit(0));
connection.onClose(() => process.exit(0));
process.on('uncaughtException', (e) => {
  // Reported on stderr, which the client keeps as the log tail of the failed job.
  console.error(`robust-features worker: uncaught ${e.stack ?? String(e)}`);
  process.exit(1);
});

connection.listen();
