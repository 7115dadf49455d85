/**
 * What the status bar says about a job: pure functions of the job's state, so the wording is
 * tested without a UI and stays one line short enough for a narrow window.
 */
import type { ProgressEvent } from '../shared/workerProtocol';
import type { JobState } from './worker/job';

export interface JobView {
  name: string;
  state: JobState;
  progress?: ProgressEvent;
  backend?: string;
  cancelRequested: boolean;
  queuedBehind: number;
  workerPid?: number;
  workerRssMB?: number;
}

export function formatEta(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function statusText(v: JobView): string {
  const icon = v.cancelRequested ? '$(circle-slash)' : '$(loading~spin)';
  const parts = [`${icon} ${v.name}`];
  const p = v.progress;
  if (v.cancelRequested) parts.push('cancelling…');
  else if (v.state === 'queued') parts.push('queued');
  else if (v.state === 'starting') parts.push('starting worker…');
  else if (!p) parts.push('loading…');
  else {
    parts.push(`${Math.floor(Math.min(1, Math.max(0, p.fraction)) * 100)}%`);
    if (p.epoch !== undefined && p.epochs !== undefined) parts.push(`ep ${p.epoch}/${p.epochs}`);
    if (p.step !== undefined && p.steps !== undefined) parts.push(`step ${p.step}/${p.steps}`);
    if (p.loss !== undefined && Number.isFinite(p.loss)) parts.push(`loss ${p.loss.toFixed(3)}`);
    if (p.etaSec !== undefined && Number.isFinite(p.etaSec))
      parts.push(`ETA ${formatEta(p.etaSec)}`);
  }
  if (v.backend) parts.push(v.backend);
  if (v.queuedBehind > 0) parts.push(`+${v.queuedBehind} queued`);
  return parts.join(' · ');
}

export function statusTooltip(v: JobView): string {
  const p = v.progress;
  const lines = [`**${v.name}** (${v.state}${v.cancelRequested ? ', cancelling' : ''})`];
  if (p) {
    lines.push(`phase: ${p.phase}${p.message ? ` — ${p.message}` : ''}`);
    if (p.accuracy !== undefined) lines.push(`accuracy: ${(p.accuracy * 100).toFixed(1)}%`);
    if (p.imagesPerSec !== undefined)
      lines.push(`throughput: ${p.imagesPerSec.toFixed(0)} images/s`);
  }
  if (v.backend) lines.push(`backend: ${v.backend}`);
  if (v.workerPid)
    lines.push(`worker: pid ${v.workerPid}${v.workerRssMB ? `, ${v.workerRssMB} MB` : ''}`);
  lines.push('', 'Click to cancel or show the log.');
  return lines.join('\n\n');
}
