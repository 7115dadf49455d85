/**
 * The one contract between the extension host (src/extension) and the compute worker
 * (src/worker): JSON-RPC 2.0 over Node IPC (vscode-jsonrpc), one process per worker.
 * Both sides import these typed message objects, so a renamed field fails to compile on both.
 *
 * Every type on the wire is declared here, not derived from the engine: src/shared imports from
 * no side (docs/ARCHITECTURE.md, "Layers"), so an engine change cannot change the protocol
 * silently. test/types/workerProtocol.types.ts checks at compile time that the engine's
 * configs equal the params declared here and that what the engine returns satisfies the results;
 * when that check fails, change the declaration here and bump PROTOCOL_VERSION.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc/node';

/**
 * Bumped on any breaking change; the client refuses a worker speaking another version.
 * 2: the wire types are declared here instead of being derived from the engine's signatures
 * (the train, construct and transfer results now carry only their declared fields' types).
 * 3: the transfer result carries Figure 3 (figure3); reproduce takes norm and seeds, transfer and
 * construct a norm.
 */
export const PROTOCOL_VERSION = 3;

// ---- the engine's vocabulary, as it travels -----------------------------------------------------

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export type ArchName =
  'mlp' | 'cnn' | 'resnet' | 'vgg' | 'densenet' | 'inception' | 'cnn-wide' | 'resnet-deep';
export type ProfileName = 'smoke' | 'quick' | 'full';
export type Norm = 'l2' | 'linf';
export type ConstructKind = 'robust' | 'nonrobust' | 'rand' | 'det';

export interface RungReport {
  backend: BackendName;
  status: 'chosen' | 'skipped' | 'not-tried';
  reason: string;
}

export interface BackendInfo {
  /** The rung in use. */
  name: BackendName;
  /** tfjs's own backend id (e.g. 'tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Whether the name was forced by a flag/setting rather than detected. */
  forced: boolean;
  /** wasm only: SIMD and thread count in use. */
  wasmFeatures?: { simd: boolean; threads: number };
  /** Our own kernels registered on top of the backend. */
  customKernels: string[];
  ladder: RungReport[];
  tfjsVersion: string;
}

export interface ProgressEvent {
  /** What is running, e.g. 'train', 'eval', 'construct'. */
  phase: string;
  /** 0..1 over the whole job. */
  fraction: number;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  accuracy?: number;
  imagesPerSec?: number;
  etaSec?: number;
  message?: string;
}

export interface AdversarialConfig {
  norm: 'l2' | 'linf';
  eps: number;
  /** PGD iterations used to make each training example. */
  steps: number;
  /** Default 2.5·ε/steps (Madry et al.). */
  stepSize?: number;
}

/** What a checkpoint's manifest records as `training`. */
export interface TrainConfig {
  model: ArchName;
  /** Dataset spec, e.g. 'fashion-mnist', 'cifar10:/path', 'folder:/path', 'npy:/path'. */
  data: string;
  trainLimit?: number;
  /** Test set spec when it is not `data`'s test split (constructed sets are tested on the original). */
  testData?: string;
  testLimit?: number;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: 'constant' | 'step' | 'cosine';
  /** Random crop (pad 4) and horizontal flip; sensible for CIFAR-like data only. */
  augment?: boolean;
  adversarial?: AdversarialConfig;
  seed: number;
}

export interface ConstructConfig {
  kind: ConstructKind;
  /** Checkpoint whose g(x) (robust/nonrobust) or logits (rand/det) drive the construction. */
  checkpoint: string;
  /** Source dataset spec (training split), e.g. 'fashion-mnist'. */
  data: string;
  /** Use the first N images of the seeded, class-balanced subset. */
  limit?: number;
  seed: number;
  steps: number;
  stepSize: number;
  /** rand/det only: radius of the targeted attack, in `norm`. */
  eps?: number;
  /** rand/det only: the targeted attack's norm; absent in builds made before L∞ existed: 'l2'. */
  norm?: Norm;
  /** robust/nonrobust only: where x_r starts ('other-image' is the paper's choice). */
  start?: 'other-image' | 'noise';
  /** robust/nonrobust only: differentiate g's final ReLU as the identity. */
  fakeRelu?: boolean;
  /** Images per chunk: the unit of resumption and of sharding. */
  chunkSize: number;
  batchSize: number;
}

export interface TheoryConfig {
  dim: number;
  muStar: number[];
  /** Σ* itself, or its spectrum with a seeded random orthogonal eigenbasis. */
  sigmaStar: number[][] | { eigenvalues: number[]; seed: number };
  /** Budgets: ε is the root-mean-square ℓ2 norm of the adversary's perturbation. */
  eps: number[];
  /** If set, also fit the standard and robust models on this many samples. */
  samples?: number;
  seed: number;
}

export interface TransferOptions {
  source: string;
  out: string;
  archs?: ArchName[];
  trainLimit?: number;
  testLimit: number;
  epochs: number;
  /** The targeted attack that builds D_rand; the transfer attacks use the same norm, ε and steps. */
  relabel: { norm?: Norm; eps: number; steps: number; stepSize: number };
  seed: number;
  poolSize?: number;
  /** Bootstrap resamples for the correlations' intervals (default 2000). */
  bootstrap?: number;
}

export interface GradientReportOptions {
  standard: string;
  robust: string;
  out: string;
  /** Test images (seeded subset). */
  n: number;
  /** Targeted attack radius and steps for the class drawings. */
  eps: number;
  steps: number;
  /** Test set; default the standard checkpoint's dataset. */
  data?: string;
  seed: number;
}

/** A checkpoint's metrics.json. */
export interface CheckpointMetrics {
  standardAcc: number;
  /** Robust accuracy per norm and ε (keys as given), filled by `robust-features eval`. */
  robustAcc?: Record<string, Record<string, number>>;
  attack?: Record<string, unknown>;
  /** `eval --attack` results per norm, ε and attack key (engine/eval/mergeMetrics.ts). */
  evaluations?: Record<string, Record<string, Record<string, AttackEvaluation>>>;
  /** Test images the accuracies were measured on. */
  n: number;
  testSet: string;
  seed: number;
  backend: string;
  dataset: string;
  arch: string;
  training: 'standard' | 'adversarial';
  trainEps?: number;
  trainNorm?: string;
  date: string;
}

/** The wire copy of engine/eval/mergeMetrics.ts's AttackEvaluation (checked equal by test/types). */
export interface AttackEvaluation {
  label: string;
  robustAcc: number;
  standardAcc: number;
  strength: number;
  attacks: Record<string, unknown>[];
  pgd?: { steps: number; robustAcc: number };
  check?: { points: number; held: number; tolerance: number };
  n: number;
  seed: number;
  testSet: string;
  backend: string;
  date: string;
  warnings?: string[];
}

type AccuracyPair = { standardAcc: number; robustAcc: number };

/** A reproduction's results.json. */
export interface ReproduceResults {
  figure2: {
    standard_D: AccuracyPair;
    adversarial_D: AccuracyPair;
    standard_DR: AccuracyPair;
    standard_DNR: AccuracyPair;
  };
  table1: {
    D_rand: { testAcc: number; attackSuccess: number };
    D_det: { testAcc: number; attackSuccess: number };
  };
  threatModel: { norm: string; eps: number; steps: number };
}

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

/** The checkpoint folder and its metrics.json (the worker also sends the epoch history). */
export interface TrainResult {
  checkpointDir: string;
  metrics: CheckpointMetrics;
}

/** Build D_R / D_NR / D_rand / D_det into `outDir` (resumes a partial build there). */
export interface ConstructParams {
  jobId: string;
  config: ConstructConfig;
  outDir: string;
}
export type ConstructResult =
  | {
      complete: true;
      outDir: string;
      n: number;
      /** robust/nonrobust: mean final ‖g(x_r) − g(x)‖₂ and mean at the start. */
      meanDistance?: number;
      meanStartDistance?: number;
      /** rand/det: fraction of images the targeted attack moved to the target class. */
      attackSuccess?: number;
      seconds: number;
    }
  | { complete: false; chunksDone: number; chunks: number };

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
  /** Default 'pgd' (with `steps`); otherwise APGD / Square / AutoAttack at their standard budgets. */
  attack?: 'pgd' | 'apgd-ce' | 'apgd-t' | 'fab-t' | 'square' | 'autoattack';
  /** AutoAttack's attack set (default standard). */
  version?: 'standard' | 'rand' | 'custom';
  /** version custom: the attacks in order (apgd-ce, apgd-dlr, apgd-t, fab-t, square). */
  attacks?: ('apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'fab-t' | 'square')[];
}
export interface EvaluateResult {
  checkpointDir: string;
  standardAcc: number;
  robustAcc: Record<string, number>;
  norm: 'l2' | 'linf';
  steps: number;
  /** The attack's name when not PGD, e.g. "AutoAttack (standard)". */
  evaluation?: string;
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
  /** Threat model of the whole run (default l2). */
  norm?: Norm;
  /** One run per seed into outDir/seed-N, cells as mean ± sd (engine/reproduce/seeds.ts). */
  seeds?: number[];
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
export interface CorrelationWithCI {
  r: number;
  ci: [number, number];
  resamples: number;
  degenerate: number;
}
/** Figure 3 (engine/transfer): one point per architecture, correlations with 95% intervals. */
export interface Figure3 {
  source: string;
  sourceArch: string;
  points: {
    arch: ArchName;
    dRandAcc: number;
    standardAcc: number;
    untargetedTransfer: number;
    targetedTransfer: number;
  }[];
  correlations: Record<
    'untargeted' | 'targeted',
    { pearson: CorrelationWithCI; spearman: CorrelationWithCI }
  >;
  threatModel: { norm: Norm; eps: number; steps: number; stepSize: number };
  how: Record<string, string>;
}
export interface TransferResult {
  figure3: Figure3;
  /** x and the targeted y per architecture (transfer.json's fields before Figure 3). */
  rows: { arch: ArchName; testAcc: number; transferSuccess: number }[];
  correlation: number;
  outDir: string;
}

/** §4: input gradients, class drawings and edge alignment of a standard and a robust checkpoint. */
export interface GradientsParams extends GradientReportOptions {
  jobId: string;
}
export interface GradientsResult {
  outDir: string;
  /** Mean Pearson correlation of |∇ₓL| with the image's Sobel edges, per model. */
  standard: number;
  robust: number;
}

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
