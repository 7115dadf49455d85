/**
 * Artifacts in words: the one-line description of the Runs view, the Explorer badge and the
 * checkpoint hover (Markdown). Pure functions of the manifest/metrics JSON.
 */
import * as path from 'node:path';
import type { CheckpointMetrics } from '../../shared/workerProtocol';
import type { Artifact } from './scan';
import { attackEvaluations, strongestEvaluation } from '../../shared/strongestEvaluation';
import { resumedFrom } from '../../shared/jobRecord';
import { inexactResume } from '../../engine/formats/resumeNote';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
/** A manifest field as text ('?' when absent or not a scalar). */
const str = (v: unknown, absent = '?'): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : absent;

type Attack = {
  steps?: number;
  stepSizeRule?: string;
  restarts?: number;
  n?: number;
  testSet?: string;
  backend?: string;
};

/** [norm, ε, accuracy] sorted by norm then ε. */
export function robustEntries(m: CheckpointMetrics | undefined): [string, string, number][] {
  return Object.entries(m?.robustAcc ?? {})
    .flatMap(([norm, byEps]) =>
      Object.entries(byEps).map(([eps, acc]) => [norm, eps, acc] as [string, string, number]),
    )
    .sort((a, b) => a[0].localeCompare(b[0]) || Number(a[1]) - Number(b[1]));
}

export function trainingText(m: CheckpointMetrics): string {
  return m.training === 'adversarial'
    ? `adversarial (${m.trainNorm ?? '?'}, ε = ${m.trainEps ?? '?'})`
    : 'standard';
}

/** Short key numbers, e.g. "mlp · std 84.2% · l2 ε=0.5 31.0%". */
export function describeArtifact(a: Artifact): string {
  switch (a.kind) {
    case 'checkpoint': {
      const m = a.metrics;
      if (!m) return `${str(a.manifest.arch)} · no metrics yet`;
      const r = robustEntries(m).at(-1);
      const strong = attackEvaluations(m).length ? strongestEvaluation(m) : undefined;
      const tr =
        m.training === 'adversarial' ? `adv ${m.trainNorm ?? ''} ε=${m.trainEps ?? '?'}` : 'std';
      // The strongest evaluation, named, next to PGD's figure at the same threat when there is one.
      const pgdThere = strong && m.robustAcc?.[strong.norm]?.[strong.eps];
      return [
        `${m.arch} ${tr}`,
        `acc ${pct(m.standardAcc)}`,
        ...(strong
          ? [
              `${strong.label}: ${pct(strong.robustAcc)} (${strong.norm} ε=${strong.eps})`,
              ...(strong.pgd
                ? [`PGD-${strong.pgd.steps} ${pct(strong.pgd.robustAcc)}`]
                : pgdThere !== undefined
                  ? [`PGD ${pct(pgdThere)}`]
                  : []),
            ]
          : r
            ? [`${r[0]} ε=${r[1]} ${pct(r[2])}`]
            : []),
      ].join(' · ');
    }
    case 'constructed-dataset': {
      const s = (a.manifest.summary ?? {}) as {
        n?: number;
        attackSuccess?: number;
        meanDistance?: number;
      };
      const shape = a.manifest.shape as number[] | undefined;
      const n = s.n ?? shape?.[0];
      const what =
        s.attackSuccess !== undefined
          ? `attack success ${pct(s.attackSuccess)}`
          : s.meanDistance !== undefined
            ? `‖Δg‖ ${s.meanDistance.toFixed(3)}`
            : '';
      return [
        `D_${str(a.manifest.construction)}`,
        `${n ?? '?'} images`,
        ...(what ? [what] : []),
      ].join(' · ');
    }
    case 'reproduction': {
      const p = a.manifest.profile as { name?: string } | undefined;
      return `reproduction (${p?.name ?? '?'}) · ${str(a.manifest.data, '')}`;
    }
    case 'theory':
      return `Gaussian theory · dim ${str(a.manifest.dim)}`;
    default: {
      const never: never = a.kind;
      return never;
    }
  }
}

/**
 * Whether the artifact's job was resumed after an interruption: from the editor's job record
 * (runs interrupted before the one that finished) and from the manifest (a resume that could not
 * be bit-identical says so there). `short` joins the Runs view's description, `long` its tooltip.
 */
export function resumeNote(a: Artifact): { short: string; long: string } | undefined {
  const interrupted = a.job ? resumedFrom(a.job) : [];
  const inexact = inexactResume(a.manifest);
  if (!interrupted.length && !inexact) return undefined;
  const n = interrupted.length;
  const short = `resumed${n > 1 ? ` ${n}×` : ''}${inexact ? ', not bit-identical' : ''}`;
  const lines = interrupted.map(
    (r) => `- run of ${r.startedAt.replace('T', ' ').slice(0, 16)}: ${r.reason ?? 'interrupted'}`,
  );
  const long = [
    ...(n
      ? [
          `Resumed in this folder after ${n === 1 ? 'an interrupted run' : `${n} interrupted runs`}:`,
          ...lines,
        ]
      : []),
    ...(inexact
      ? [
          `Not bit-identical to an uninterrupted run: ${inexact.why.join('; ') || 'see manifest.json'}`,
        ]
      : []),
  ].join('\n');
  return { short, long };
}

/** Two characters at most (VS Code rejects longer badges): the robust accuracy, else the standard one, in %. */
export function checkpointBadge(m: CheckpointMetrics): { badge: string; tooltip: string } {
  const strong = attackEvaluations(m).length ? strongestEvaluation(m) : undefined;
  const last = robustEntries(m).at(-1);
  const r = strong ?? (last && { label: 'PGD', norm: last[0], eps: last[1], robustAcc: last[2] });
  const acc = r ? r.robustAcc : m.standardAcc;
  const badge = String(Math.min(99, Math.max(0, Math.round(acc * 100))));
  const tooltip = r
    ? `checkpoint: robust accuracy ${pct(r.robustAcc)} (${strong ? `${r.label}, ` : ''}${r.norm}, ε = ${r.eps}), standard ${pct(m.standardAcc)}`
    : `checkpoint: standard accuracy ${pct(m.standardAcc)} (no robust evaluation yet)`;
  return { badge, tooltip };
}

/** The hover for a checkpoint folder (Markdown). */
export function checkpointHoverMarkdown(dir: string, m: CheckpointMetrics): string {
  const lines = [
    `**Checkpoint** \`${path.basename(dir)}\` — ${m.arch} on ${m.dataset}`,
    '',
    `| | |`,
    `|---|---|`,
    `| standard accuracy | **${pct(m.standardAcc)}** (${m.n} images of ${m.testSet}) |`,
  ];
  const attacks = (m.attack ?? {}) as Record<string, Attack>;
  for (const [norm, eps, acc] of robustEntries(m)) {
    const a = attacks[norm];
    const how = a
      ? `PGD-${a.steps ?? '?'}${a.restarts ? `, ${a.restarts} restarts` : ''}${a.n ? `, ${a.n} images` : ''}`
      : '';
    lines.push(
      `| robust accuracy ${norm.toUpperCase()} ε = ${eps} | **${pct(acc)}**${how ? ` (${how})` : ''} |`,
    );
  }
  for (const e of attackEvaluations(m).sort((a, b) => b.strength - a.strength))
    lines.push(
      `| ${e.label} ${e.norm.toUpperCase()} ε = ${e.eps} | **${pct(e.robustAcc)}**` +
        ` (${[...(e.pgd ? [`PGD-${e.pgd.steps} on the same images ${pct(e.pgd.robustAcc)}`] : []), ...(e.n ? [`${e.n} images`] : [])].join(', ')}) |`,
    );
  if (robustEntries(m).length === 0 && attackEvaluations(m).length === 0)
    lines.push('| robust accuracy | not evaluated (Robust Features: Evaluate Robustness) |');
  lines.push(
    `| training | ${trainingText(m)} |`,
    `| architecture | ${m.arch} |`,
    `| dataset | ${m.dataset} |`,
  );
  if (m.date) lines.push(`| date | ${m.date.replace('T', ' ').slice(0, 16)} |`);
  if (m.backend) lines.push(`| backend | ${m.backend} |`);
  return lines.join('\n');
}
