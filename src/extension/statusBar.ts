/**
 * The status bar item for the running job. Progress notifications can arrive many times a
 * second; renders are throttled to at most one per 250 ms (≤ 4/s) with a trailing render, so
 * the last state always shows. Hidden when no job runs, after a short "done" display.
 */
import * as vscode from 'vscode';
import type { Job, JobOutcome } from './worker/job';
import { statusText, statusTooltip } from './statusText';
import { summarizeResult } from './worker/summarize';

const MIN_INTERVAL_MS = 250;
const DONE_DISPLAY_MS = 8000;
export const JOB_MENU_COMMAND = 'robustFeatures.jobMenu';

export class JobStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'robustFeatures.job',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private lastRender = 0;
  private timer: NodeJS.Timeout | undefined;
  private hideTimer: NodeJS.Timeout | undefined;
  private finished: JobOutcome | undefined;
  /** TEST HOOK: every text shown, with its time; read via the API's testHooks. Bounded. */
  readonly history: { t: number; text: string }[] = [];

  constructor(private readonly jobs: () => Job[]) {
    this.item.name = 'Robust Features Job';
    this.item.command = JOB_MENU_COMMAND;
  }

  private visible = false;
  /** The text shown now, undefined when hidden. */
  get text(): string | undefined {
    return this.visible ? this.item.text : undefined;
  }

  /** Call on any job change; renders now or schedules a trailing render. */
  update(finished?: JobOutcome): void {
    if (finished) this.finished = finished;
    const wait = this.lastRender + MIN_INTERVAL_MS - Date.now();
    if (wait <= 0) this.render();
    // Re-checked when the timer fires: Node timers run off the loop's cached clock and can fire
    // a few ms early by Date.now(), which would break the ≤ 4/s promise.
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, wait);
  }

  private render(): void {
    this.timer = undefined;
    this.lastRender = Date.now();
    // A job that just finished is still in its worker slot while its 'done' change is emitted:
    // it must not count as running, or the render that should show its result shows it running.
    const jobs = this.jobs().filter((j) => !j.finished);
    const current = jobs.find((j) => j.state !== 'queued') ?? jobs[0];
    if (current) {
      clearTimeout(this.hideTimer);
      this.hideTimer = undefined;
      this.finished = undefined;
      const view = {
        name: current.name,
        state: current.state,
        progress: current.progress,
        backend: current.backend,
        cancelRequested: current.cancelRequested,
        queuedBehind: jobs.length - 1,
        workerPid: current.workerPid,
        workerRssMB: current.workerRssMB,
      };
      this.show(statusText(view), statusTooltip(view));
    } else if (this.finished && !this.hideTimer) {
      const o = this.finished;
      const short = o.result ? summarizeResult(o.result).short : undefined;
      const icon =
        o.state === 'succeeded'
          ? '$(check)'
          : o.state === 'cancelled'
            ? '$(circle-slash)'
            : '$(error)';
      const detail = o.state === 'succeeded' && short !== undefined ? short : o.state;
      this.show(`${icon} ${o.name} · ${detail}`, o.reason ?? `${o.name}: ${o.state}`);
      this.hideTimer = setTimeout(() => this.hide(), DONE_DISPLAY_MS);
    } else if (!this.finished) this.hide();
  }

  private show(text: string, tooltip: string): void {
    this.item.text = text;
    this.item.tooltip = new vscode.MarkdownString(tooltip, true);
    this.item.show();
    this.visible = true;
    // The render's own time: a fresh Date.now() here could be a millisecond later than the one
    // the throttle measured from, and the ≤ 4/s check compares these.
    this.history.push({ t: this.lastRender, text });
    if (this.history.length > 500) this.history.splice(0, 100);
  }

  private hide(): void {
    this.hideTimer = undefined;
    this.finished = undefined;
    this.item.hide();
    this.visible = false;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.hideTimer);
    this.item.dispose();
  }
}
