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
import type { ConstructConfig } from '../engine/construct/config';
import type { buildConstructed } from '../engine/construct/build';
import type { ProfileName } from '../engine/formats/profiles';
import type { ReproduceResults } from '../engine/reproduce/report';
import type { TheoryConfig } from '../engine/theory/config';
import type { TransferOptions, transfer } from '../engine/transfer/transfer';
import type { GradientReport, GradientReportOptions } from '../engine/interpret/report';

/**
 * Bumped on any breaking change; the client refuses a worker speaking another version. New
 * request types (construct, evaluate, reproduce, theory) were additive: still version 1.
 */
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

/** Build D_R / D_NR / D_rand / D_det into `outDir` (resumes a partial build there). */
export interface ConstructParams {
  jobId: string;
  config: ConstructConfig;
  outDir: string;
}
export type ConstructResult = Awaited<ReturnType<typeof buildConstructed>>;

/** Robust accuracy of a checkpoint; the result is merged into its metrics.json. */
export interface EvaluateParams {
  jobId: string;
  checkpoint: string;
  norm: 'l2' | 'linf';
  /** ε values; the metrics keys are String(ε). */
  eps: number[];
  steps: number;
  restarts?: number;
  /** Test images (seeded subset); default all. */
  limit?: number;
  /** Test set spec; default the checkpoint's dataset. */
  data?: string;
  seed?: number;
  batchSize?: number;
}
export interface EvaluateResult {
  checkpointDir: string;
  standardAcc: number;
  robustAcc: Record<string, number>;
  norm: 'l2' | 'linf';
  steps: number;
  n: number;
  testSet: string;
  /** metrics.json after the merge. */
  metrics: CheckpointMetrics;
}

/** The paper's Figure 2 / Table 1 pipeline into `outDir` (resumes finished steps). */
export interface ReproduceParams {
  jobId: string;
  profile: ProfileName;
  data: string;
  outDir: string;
}
export interface ReproduceResult {
  outDir: string;
  results: ReproduceResults;
}

/** The Gaussian model of §4: theory.json, ellipses.svg, angles.svg into `outDir`. */
export interface TheoryParams {
  jobId: string;
  /** Default: the engine's 2-D demo. */
  config?: TheoryConfig;
  outDir: string;
}
export interface TheoryResultFiles {
  outDir: string;
  files: { json: string; ellipses: string; angles: string };
  seconds: number;
}

/** §3.3: D_rand from a source model, each architecture trained on it, accuracy vs transfer success. */
export interface TransferParams extends TransferOptions {
  jobId: string;
}
export type TransferResult = Awaited<ReturnType<typeof transfer>> & { outDir: string };

/** §4: input gradients, class drawings and edge alignment of a standard and a robust checkpoint. */
export interface GradientsParams extends GradientReportOptions {
  jobId: string;
}
export type GradientsResult = GradientReport;

export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, JobErrorData>(
  'initialize',
);
export const TrainRequest = new RequestType<TrainParams, TrainResult, JobErrorData>('job/train');
export const ConstructRequest = new RequestType<ConstructParams, ConstructResult, JobErrorData>(
  'job/construct',
);
export const EvaluateRequest = new RequestType<EvaluateParams, EvaluateResult, JobErrorData>(
  'job/evaluate',
);
export const ReproduceRequest = new RequestType<ReproduceParams, ReproduceResult, JobErrorData>(
  'job/reproduce',
);
export const TheoryRequest = new RequestType<TheoryParams, TheoryResultFiles, JobErrorData>(
  'job/theory',
);
export const TransferRequest = new RequestType<TransferParams, TransferResult, JobErrorData>(
  'job/transfer',
);
export const GradientsRequest = new RequestType<GradientsParams, GradientsResult, JobErrorData>(
  'job/gradients',
);

/** Every job a worker runs, keyed on `kind`: the queue and the worker switch on it exhaustively. */
export type JobRequest =
  | { kind: 'train'; params: Omit<TrainParams, 'jobId'> }
  | { kind: 'construct'; params: Omit<ConstructParams, 'jobId'> }
  | { kind: 'evaluate'; params: Omit<EvaluateParams, 'jobId'> }
  | { kind: 'reproduce'; params: Omit<ReproduceParams, 'jobId'> }
  | { kind: 'theory'; params: Omit<TheoryParams, 'jobId'> }
  | { kind: 'transfer'; params: Omit<TransferParams, 'jobId'> }
  | { kind: 'gradients'; params: Omit<GradientsParams, 'jobId'> };

/** The result of each kind of job, in the same union shape. */
export type JobResult =
  | { kind: 'train'; value: TrainResult }
  | { kind: 'construct'; value: ConstructResult }
  | { kind: 'evaluate'; value: EvaluateResult }
  | { kind: 'reproduce'; value: ReproduceResult }
  | { kind: 'theory'; value: TheoryResultFiles }
  | { kind: 'transfer'; value: TransferResult }
  | { kind: 'gradients'; value: GradientsResult };

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
