/**
 * Everything the commands need beyond activation: the job queue (which forks workers), the
 * status bar and the log wiring. Loaded with a dynamic import on first use, so activation does
 * not pay for vscode-jsonrpc or child_process (esbuild keeps the module lazy in the bundle).
 */
import * as vscode from 'vscode';
import {
  backendSetting,
  poolSizeSetting,
  workerHangTimeoutMsSetting,
  workerHeapMBSetting,
} from './config';
import { JobStatusBar } from './statusBar';
import { setJobRunning, updateRunContext } from './contextKeys';
import { JobQueue } from './worker/jobQueue';
import type { JobOutcome } from './worker/job';

export const CANCEL_GRACE_MS = 5000;

export class Services implements vscode.Disposable {
  readonly queue: JobQueue;
  readonly statusBar: JobStatusBar;
  /** The most recent finished job: the status bar's menu offers its output. */
  lastOutcome: JobOutcome | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.queue = new JobQueue({
      workerScript: vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath,
      backend: backendSetting,
      poolSize: poolSizeSetting,
      cancelGraceMs: CANCEL_GRACE_MS,
      heartbeatMs: 2000,
      idleTimeoutMs: 10 * 60_000,
      // Read once: a change applies after a reload (the queue's workers share them).
      hangTimeoutMs: workerHangTimeoutMsSetting(),
      maxHeapMB: workerHeapMBSetting(),
    });
    this.statusBar = new JobStatusBar(() => this.queue.jobs);
    this.queue.on('change', (job) => {
      this.statusBar.update(job.outcome);
      setJobRunning(this.queue.jobs.some((j) => j.state === 'queued' || j.state === 'running'));
      if (job.outcome) updateRunContext();
      if (job.outcome) {
        const o = job.outcome;
        this.lastOutcome = o;
        const line = `${o.name} (${o.id}) ${o.state} after ${(o.durationMs / 1000).toFixed(1)} s${o.reason ? `: ${o.reason}` : ''}`;
        if (o.state === 'failed')
          log.error([line, ...(o.logTail ?? []).map((l) => `  | ${l}`)].join('\n'));
        else log.info(line);
      }
    });
    this.queue.on('log', (p) => {
      const line = `${p.jobId ? `[${p.jobId}] ` : ''}${p.line}`;
      log[p.level](line);
    });
    // Raw stdout/stderr: the same text usually arrives as a log notification too, so keep it at
    // trace; it matters when IPC is gone (native crash), and then the failure report shows its tail.
    this.queue.on('output', (line) => log.trace(line));
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('robustFeatures.backend')) this.queue.retireIdleWorkers();
      }),
    );
  }

  dispose(): void {
    this.queue.dispose();
    this.statusBar.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
