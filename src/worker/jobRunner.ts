/**
 * Runs one engine operation per request: turns the JSON-RPC CancellationToken into the
 * AbortSignal the engine understands, forwards progress and log lines as notifications tagged
 * with the job id, and maps failures to typed ResponseErrors (cancelled vs failed).
 */
import { ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import type { JobContext } from '../engine/types';
import {
  LogNotification,
  ProgressNotification,
  WorkerErrorCodes,
  type JobErrorData,
} from '../shared/workerProtocol';
import { errorMessage } from '../shared/errorMessage';

export class JobRunner {
  /** One job at a time per worker: the client's queue guarantees it, this field reports it. */
  currentJobId: string | undefined;

  constructor(private readonly connection: MessageConnection) {}

  error(code: number, message: string, cause?: unknown): ResponseError<JobErrorData> {
    const e = cause instanceof Error ? cause : undefined;
    return new ResponseError<JobErrorData>(code, message, {
      name: e?.name ?? 'Error',
      stack: e?.stack,
    });
  }

  async run<T>(
    jobId: string,
    token: CancellationToken,
    op: (ctx: JobContext) => Promise<T>,
  ): Promise<T> {
    if (this.currentJobId)
      throw this.error(WorkerErrorCodes.JobFailed, `worker is busy with job ${this.currentJobId}`);
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    this.currentJobId = jobId;
    const ctx: JobContext = {
      signal: abort.signal,
      onProgress: (event) =>
        void this.connection.sendNotification(ProgressNotification, { jobId, event }),
      log: (line) =>
        void this.connection.sendNotification(LogNotification, { jobId, level: 'info', line }),
    };
    try {
      if (token.isCancellationRequested) abort.abort();
      return await op(ctx);
    } catch (e) {
      // AbortedError, or anything thrown after the abort (e.g. a disposed tensor): both mean "cancelled".
      if (abort.signal.aborted || (e instanceof Error && e.name === 'AbortedError')) {
        throw this.error(WorkerErrorCodes.Cancelled, 'cancelled', e);
      }
      throw this.error(WorkerErrorCodes.JobFailed, errorMessage(e), e);
    } finally {
      sub.dispose();
      this.currentJobId = undefined;
    }
  }
}
