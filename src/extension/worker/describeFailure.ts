/**
 * Turns whatever a job's request rejected with into the outcome a user reads: a cooperative
 * cancel, a kill after the grace period (still "cancelled": the user asked for it), a worker
 * crash (with the worker's last output), or an engine error (with its stack from the worker).
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import { WorkerErrorCodes, type JobErrorData } from '../../shared/workerProtocol';
import type { JobOutcome } from './job';
import { WorkerExitedError } from './workerProcess';
import { errorMessage } from '../../shared/errorMessage';

export type FailureOutcome = Pick<JobOutcome, 'state' | 'reason' | 'logTail' | 'interrupted'>;

export function describeFailure(
  e: unknown,
  cancelRequested: boolean,
  graceMs: number,
): FailureOutcome {
  if (e instanceof ResponseError && e.code === WorkerErrorCodes.Cancelled) {
    return { state: 'cancelled', reason: 'cancelled' };
  }
  if (e instanceof WorkerExitedError) {
    if (cancelRequested)
      return { state: 'cancelled', reason: `worker killed after ${graceMs} ms grace` };
    return { state: 'failed', reason: e.message, logTail: e.logTail, interrupted: true };
  }
  const data = e instanceof ResponseError ? (e.data as JobErrorData | undefined) : undefined;
  return {
    state: 'failed',
    reason: errorMessage(e),
    logTail: data?.stack?.split('\n').slice(0, 12),
  };
}
