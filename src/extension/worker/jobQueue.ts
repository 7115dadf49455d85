/**
 * One queue of jobs over a small pool of compute workers (robustFeatures.poolSize, default 1:
 * a training run already uses every core). Workers are forked on first use, reused while
 * idle, and replaced after a crash: a dead worker is never handed another job.
 * No `vscode` import: the extension wires settings and UI to it (see ../services.ts).
 */
import { EventEmitter } from 'node:events';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import {
  WorkerErrorCodes,
  type BackendChoice,
  type InitializeResult,
  type LogParams,
} from '../../shared/workerProtocol';
import { describeFailure } from './describeFailure';
import { Job, type JobSpec } from './job';
import { WorkerProcess } from './workerProcess';

export interface JobQueueOptions {
  workerScript: string;
  backend: () => BackendChoice;
  poolSize: () => number;
  /** How long a cancelled job may take to stop before its worker is killed. */
  cancelGraceMs: number;
  heartbeatMs: number;
  /** Idle workers exit after this, giving their memory back. */
  idleTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** A worker silent this long is hung and killed (see WorkerProcessOptions; default there). */
  hangTimeoutMs?: number;
  /** The worker's V8 heap limit (see WorkerProcessOptions; default there). */
  maxHeapMB?: number;
}

interface Slot {
  worker: WorkerProcess;
  backend: BackendChoice;
  ready: Promise<InitializeResult>;
  job?: Job;
  /** Cancels the running job's request ($/cancelRequest → AbortSignal in the engine). */
  cts?: CancellationTokenSource;
  idleTimer?: NodeJS.Timeout;
}

export class JobQueue extends EventEmitter<{
  change: [Job];
  log: [LogParams & { pid?: number }];
  output: [string];
}> {
  private readonly queued: Job[] = [];
  private readonly slots = new Set<Slot>();
  private disposed = false;

  constructor(readonly options: JobQueueOptions) {
    super();
  }

  /** Running jobs first, then queued ones, oldest first. */
  get jobs(): Job[] {
    return [...[...this.slots].flatMap((s) => (s.job ? [s.job] : [])), ...this.queued];
  }

  enqueue(name: string, spec: JobSpec): Job {
    const job = new Job(name, spec, (j) => this.cancel(j));
    job.on('change', (j) => this.emit('change', j));
    this.queued.push(job);
    this.emit('change', job);
    this.pump();
    return job;
  }

  /** The backend of a live worker, starting an idle one if none is alive (Show Backend). */
  async backendInfo(): Promise<InitializeResult> {
    const slot =
      [...this.slots].find((s) => s.worker.alive && s.backend === this.options.backend()) ??
      this.spawn();
    if (!slot.job) this.armIdleTimer(slot);
    return slot.ready;
  }

  /** The pid of each live worker (tests kill one to simulate a crash). */
  workerPids(): number[] {
    return [...this.slots].flatMap((s) => (s.worker.alive && s.worker.pid ? [s.worker.pid] : []));
  }

  /** Called when robustFeatures.backend changes: idle workers go now, busy ones after their job. */
  retireIdleWorkers(): void {
    for (const s of this.slots) if (!s.job) this.drop(s);
  }

  dispose(): void {
    this.disposed = true;
    for (const j of this.jobs) j.cancel();
    for (const s of this.slots) this.drop(s);
  }

  private cancel(job: Job): void {
    const i = this.queued.indexOf(job);
    if (i >= 0) {
      this.queued.splice(i, 1);
      job.finish({
        state: 'cancelled',
        reason: 'cancelled before it started',
        ...(this.disposed ? { interrupted: true } : {}),
      });
      return;
    }
    const slot = [...this.slots].find((s) => s.job === job);
    if (!slot) return;
    slot.cts?.cancel();
    // The engine checks its AbortSignal between steps; one that never yields is killed.
    setTimeout(() => {
      if (!job.finished && slot.job === job) {
        this.emit(
          'output',
          `job ${job.id} did not stop within ${this.options.cancelGraceMs} ms: killing worker ${slot.worker.pid}`,
        );
        slot.worker.kill();
      }
    }, this.options.cancelGraceMs).unref();
  }

  private pump(): void {
    if (this.disposed) return;
    const poolSize = Math.max(1, Math.floor(this.options.poolSize()));
    while (this.queued.length > 0) {
      const busy = [...this.slots].filter((s) => s.job).length;
      if (busy >= poolSize) return;
      const want = this.options.backend();
      const slot =
        [...this.slots].find((s) => !s.job && s.worker.alive && s.backend === want) ?? this.spawn();
      const job = this.queued.shift()!;
      void this.run(slot, job);
    }
  }

  private spawn(): Slot {
    const o = this.options;
    const worker = new WorkerProcess(o.workerScript, {
      ...(o.env ? { env: o.env } : {}),
      ...(o.hangTimeoutMs !== undefined ? { hangTimeoutMs: o.hangTimeoutMs } : {}),
      ...(o.maxHeapMB !== undefined ? { maxHeapMB: o.maxHeapMB } : {}),
    });
    const backend = this.options.backend();
    const slot: Slot = {
      worker,
      backend,
      ready: worker.initialize(backend, this.options.heartbeatMs),
    };
    slot.ready.catch(() => undefined); // surfaced through run() / backendInfo()
    worker.on('log', (p) => this.emit('log', { ...p, pid: worker.pid }));
    worker.on('output', (line) => this.emit('output', `[worker ${worker.pid}] ${line}`));
    worker.on('progress', (p) => {
      if (slot.job?.id === p.jobId && !slot.job.finished)
        slot.job.setState('running', { progress: p.event });
    });
    worker.on('heartbeat', (p) => {
      if (slot.job) slot.job.workerRssMB = p.rssMB; // shown at the next render, no render of its own
    });
    worker.on('exit', () => {
      this.slots.delete(slot);
      clearTimeout(slot.idleTimer);
    });
    this.slots.add(slot);
    return slot;
  }

  private async run(slot: Slot, job: Job): Promise<void> {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    const cts = (slot.cts = new CancellationTokenSource());
    job.setState('starting', { startedAt: Date.now(), workerPid: slot.worker.pid });
    try {
      const info = await slot.ready;
      job.setState('running', { backend: info.backend.name });
      if (job.cancelRequested) throw new ResponseError(WorkerErrorCodes.Cancelled, 'cancelled');
      const result = await slot.worker.run(job.id, job.spec, cts);
      job.finish({ state: 'succeeded', result });
    } catch (e) {
      const failure = describeFailure(e, job.cancelRequested, this.options.cancelGraceMs);
      // Stopped because the editor is shutting down, not by the user: to resume, not to drop.
      job.finish(
        this.disposed
          ? { ...failure, interrupted: true, reason: 'the editor shut down during the job' }
          : failure,
      );
    } finally {
      cts.dispose();
      slot.job = undefined;
      slot.cts = undefined;
    }
    // An engine error leaves the worker usable; a crash already removed its slot (exit handler).
    if (slot.worker.alive && slot.backend !== this.options.backend()) this.drop(slot);
    else if (slot.worker.alive) this.armIdleTimer(slot);
    this.pump();
  }

  private armIdleTimer(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => !slot.job && this.drop(slot), this.options.idleTimeoutMs);
    slot.idleTimer.unref();
  }

  private drop(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    slot.worker.dispose();
  }
}
