/**
 * The one contract between the extension host (src/extension) and the compute worker
 * (src/worker): JSON-RPC 2.0 over Node IPC (vscode-jsonrpc), one process per worker.
 * Both sides import these typed message objects, so a renamed field fails to compile on both.
 *
 * Types only from the engine (`import type`): the extension bundle must never pull in tfjs.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc/node';
import type { BackendInfo, BackendName } from '../engine/backend/ladder';
import type { TrainConfig } from '../engine/train/config';
import type { ProgressEvent } from '../engine/types';
import type { trainModel } from '../engine/train/trainModel';

/** Bumped on any breaking change; the client refuses a worker speaking another version. */
export const PROTOCOL_VERSION = 1;

export type BackendChoice = BackendName | 'auto';

// ---- requests -------------------------------------------------------------------------------

export interface InitializeParams {
  protocolVersion: number;
  /** The `robustFeatures.backend` setting: a rung to force, or 'auto' to walk the ladder. */
  backend: BackendChoice;
  /** How often the worker says it is alive; 0 turns heartbeats off. */
  heartbeatMs: number;
}

export interface InitializeResult {
  protocolVersion: number;
  backend: BackendInfo;
  pid: number;
  nodeVersion: string;
}

export interface TrainParams {
  /** Chosen by the client; every notification about this job carries it. */
  jobId: string;
  config: TrainConfig;
  /** The checkpoint folder to write (model.json, weights.bin, manifest.json, metrics.json). */
  outDir: string;
  /** Continue from the snapshot in `outDir` instead of starting over. */
  resume?: boolean;
}

/** Exactly what the engine returns: the checkpoint folder and its metrics.json. */
export type TrainResult = Awaited<ReturnType<typeof trainModel>>;
export type CheckpointMetrics = TrainResult['metrics'];

export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, JobErrorData>(
  'initialize',
);
export const TrainRequest = new RequestType<TrainParams, TrainResult, JobErrorData>('job/train');

// ---- notifications (worker → client) ---------------------------------------------------------

export interface ProgressParams {
  jobId: string;
  event: ProgressEvent;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface LogParams {
  /** Absent for lines that belong to no job (backend start-up, stray console output). */
  jobId?: string;
  level: LogLevel;
  line: string;
}

/** Sent every `heartbeatMs` while the worker's event loop turns; a silent worker is busy or hung. */
export interface HeartbeatParams {
  pid: number;
  uptimeSec: number;
  rssMB: number;
  /** The job being run, if any. */
  jobId?: string;
}

export const ProgressNotification = new NotificationType<ProgressParams>('job/progress');
export const LogNotification = new NotificationType<LogParams>('log');
export const HeartbeatNotification = new NotificationType<HeartbeatParams>('heartbeat');

// ---- errors ------------------------------------------------------------------------------------

/**
 * Application error codes, outside JSON-RPC's reserved range except `Cancelled`, which reuses
 * LSP's RequestCancelled (-32800) so generic JSON-RPC tooling recognises it.
 */
export const WorkerErrorCodes = {
  Cancelled: -32800,
  JobFailed: -32001,
  ProtocolMismatch: -32002,
  NotInitialized: -32003,
} as const;

/** Carried in ResponseError.data so the extension can show the real cause. */
export interface JobErrorData {
  name: string;
  stack?: string;
}
