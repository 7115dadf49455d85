/**
 * A job: one engine operation queued for, then run in, a compute worker. It is a Disposable
 * (as vscode-dvc's process/execution.ts): disposing cancels it, and the queue escalates to
 * killing the worker if the engine does not stop within the grace period.
 */
import { EventEmitter } from 'node:events';
import type { JobRequest, JobResult, ProgressEvent } from '../../shared/workerProtocol';

export type JobState = 'queued' | 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a job is asked to do: one of the worker's job requests. */
export type JobSpec = JobRequest;

/** Plain data, so commands can return it (tests read it through executeCommand). */
export interface JobOutcome {
  id: string;
  name: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  /** The engine's result, keyed on the job's kind. */
  result?: JobResult;
  /** Why it failed or how it was cancelled (e.g. "killed after 5000 ms grace"). */
  reason?: string;
  /** The worker's last output lines, for failures. */
  logTail?: string[];
  /**
   * Stopped by something other than the job itself or the user: its worker died unasked (crash,
   * SIGKILL, out of memory, hung) or the editor shut down. Running it again continues it
   * (commands/runJob.ts).
   */
  interrupted?: boolean;
  /** The folder the job wrote into, for jobs that have one. */
  outDir?: string;
  /** It continued a run of the same job that was interrupted in that folder. */
  resumed?: boolean;
  durationMs: number;
  backend?: string;
  workerPid?: number;
}

let counter = 0;

export class Job extends EventEmitter<{ change: [Job]; done: [JobOutcome] }> {
  readonly id = `job-${Date.now().toString(36)}-${++counter}`;
  state: JobState = 'queued';
  progress: ProgressEvent | undefined;
  backend: string | undefined;
  workerPid: number | undefined;
  /** From the worker's heartbeats: its resident memory, for the status bar tooltip. */
  workerRssMB: number | undefined;
  cancelRequested = false;
  readonly createdAt = Date.now();
  startedAt: number | undefined;
  outcome: JobOutcome | undefined;
  readonly done: Promise<JobOutcome>;
  private resolveDone!: (o: JobOutcome) => void;

  constructor(
    readonly name: string,
    readonly spec: JobSpec,
    private readonly onCancel: (job: Job) => void,
  ) {
    super();
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get finished(): boolean {
    return this.outcome !== undefined;
  }

  cancel(): void {
    if (this.finished || this.cancelRequested) return;
    this.cancelRequested = true;
    this.emit('change', this);
    this.onCancel(this);
  }

  dispose(): void {
    this.cancel();
  }

  /** Called by the queue only. */
  setState(
    state: JobState,
    patch: Partial<Pick<Job, 'progress' | 'backend' | 'workerPid' | 'startedAt'>> = {},
  ): void {
    this.state = state;
    Object.assign(this, patch);
    this.emit('change', this);
  }

  /** Called by the queue only; the first call wins. */
  finish(o: Omit<JobOutcome, 'id' | 'name' | 'durationMs' | 'backend' | 'workerPid'>): JobOutcome {
    if (this.outcome) return this.outcome;
    this.outcome = {
      id: this.id,
      name: this.name,
      durationMs: Date.now() - (this.startedAt ?? this.createdAt),
      backend: this.backend,
      workerPid: this.workerPid,
      ...o,
    };
    this.state = o.state;
    this.emit('change', this);
    this.emit('done', this.outcome);
    this.resolveDone(this.outcome);
    return this.outcome;
  }
}
