/**
 * results.json (exactly the keys the issue names: Figure 2, Table 1, threat model), results.md (our
 * numbers beside the paper's CIFAR-10 ones) and manifest.json (how every number was measured).
 */
import * as path from 'node:path';
import type { BuildSummary } from '../construct/assemble';
import type { ConstructKind } from '../construct/config';
import type { RobustEvalResult } from '../eval/robust';
import { DEFAULT_MOMENTUM } from '../train/config';
import { writeJsonAtomic } from '../models/checkpoint';
import { writeFileAtomic } from '../formats/atomic';
import { backendLabel, versions } from '../provenance';
import { PAPER_FIGURE2, PAPER_TABLE1 } from '../formats/paperNumbers';
import type { ReproduceOptions } from './pipeline';
import type { Recipe } from '../formats/profiles';
import { killPoint } from '../testKill';

export interface StepTiming {
  step: string;
  /** Wall time from the step's first task starting to its last ending. */
  seconds: number;
  /** Summed over the step's tasks: more than `seconds` when its chunks ran on several threads. */
  threadSeconds?: number;
  /** Seconds from the start of the run that computed it. */
  startedAt?: number;
  poolSize?: number;
}

export interface RunClock {
  /** Wall time of this run, start to report. */
  wallSeconds: number;
  poolSize: number;
}

type Pair = { standardAcc: number; robustAcc: number };
export interface ReproduceResults {
  figure2: { standard_D: Pair; adversarial_D: Pair; standard_DR: Pair; standard_DNR: Pair };
  table1: {
    D_rand: { testAcc: number; attackSuccess: number };
    D_det: { testAcc: number; attackSuccess: number };
  };
  threatModel: { norm: string; eps: number; steps: number };
}

export function writeReport(
  o: ReproduceOptions,
  built: Partial<Record<ConstructKind, BuildSummary>>,
  evals: Record<string, RobustEvalResult>,
  timings: StepTiming[],
  clock: RunClock,
): ReproduceResults {
  const e = o.profile.evaluation;
  const pair = (name: string): Pair => {
    const r = evals[name];
    if (!r) throw new Error(`reproduce: no evaluation of ${name}`);
    return { standardAcc: r.standardAcc, robustAcc: r.robustAcc[String(e.eps)] as number };
  };
  const results: ReproduceResults = {
    figure2: {
      standard_D: pair('standard_D'),
      adversarial_D: pair('adversarial_D'),
      standard_DR: pair('standard_DR'),
      standard_DNR: pair('standard_DNR'),
    },
    table1: {
      D_rand: {
        testAcc: pair('standard_Drand').standardAcc,
        attackSuccess: built.rand?.attackSuccess ?? NaN,
      },
      D_det: {
        testAcc: pair('standard_Ddet').standardAcc,
        attackSuccess: built.det?.attackSuccess ?? NaN,
      },
    },
    threatModel: { norm: e.norm, eps: e.eps, steps: e.steps },
  };
  writeJsonAtomic(path.join(o.out, 'results.json'), results);
  killPoint('report', path.join(o.out, 'manifest.json'));
  const anyEval = evals.standard_D;
  writeJsonAtomic(path.join(o.out, 'manifest.json'), {
    kind: 'reproduction',
    data: o.data,
    profile: o.profile,
    measuredHow: {
      accuracies: `original test set (${o.data}, ${anyEval?.n ?? '?'} images, seeded class-balanced subset, seed ${o.profile.seed})`,
      robustAcc: { attack: anyEval?.attack, n: anyEval?.n },
      attackSuccess: `fraction of training images whose targeted ${normLabel(o.profile.relabel.norm)} PGD (ε=${o.profile.relabel.eps}, ${o.profile.relabel.steps} steps of ${o.profile.relabel.stepSize}) ends classified as the target by the standard model`,
    },
    constructed: built,
    timings,
    wallSeconds: clock.wallSeconds,
    poolSize: clock.poolSize,
    backend: backendLabel(),
    versions: versions(),
    createdAt: new Date().toISOString(),
  });
  writeFileAtomic(path.join(o.out, 'results.md'), markdown(o, results, timings, clock));
  return results;
}

const recipe = (o: Recipe) =>
  o.name === 'sgd'
    ? `SGD lr ${o.lr}, momentum ${o.momentum ?? DEFAULT_MOMENTUM}, weight decay ${o.weightDecay ?? 0}`
    : `Adam ${o.lr}${o.weightDecay ? `, weight decay ${o.weightDecay}` : ''}`;

export const normLabel = (norm: string) => (norm === 'linf' ? 'L∞' : norm.toUpperCase());

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '—');

/** ε as written in the profiles: 8/255 rather than 0.03137254901960784. */
export function epsLabel(eps: number): string {
  const k = eps * 255;
  // Only where the decimal is long: 0.2 is 51/255 too, and reads better as 0.2.
  return Math.abs(k - Math.round(k)) < 1e-9 && String(eps).length > 6
    ? `${Math.round(k)}/255`
    : String(eps);
}

type F2Key = keyof ReproduceResults['figure2'];
type T1Key = keyof ReproduceResults['table1'];
/** How one cell of the tables is printed: one run's percentage, or mean ± sd over seeds. */
export interface CellFormat {
  figure2: (key: F2Key, field: keyof Pair) => string;
  table1: (key: T1Key, field: 'testAcc' | 'attackSuccess') => string;
  /** `gapClosed` as printed: one run's percentage, or its mean ± sd and each seed's. */
  gapClosed: string;
}

/**
 * How much of the robustness adversarial training adds, standard training on D_R recovers:
 * (D_R − D) / (adversarial − D) in robust accuracy, D and D_R trained with the same recipe. The
 * paper's CIFAR-10 bars give about 55–58 %; NaN when adversarial training adds nothing.
 */
export function gapClosed(f: ReproduceResults['figure2']): number {
  const d = f.standard_D.robustAcc;
  const gap = f.adversarial_D.robustAcc - d;
  return gap > 0 ? (f.standard_DR.robustAcc - d) / gap : NaN;
}

/** The settings paragraph, Figure 2 and Table 1 of results.md. */
export function resultTables(
  o: ReproduceOptions,
  threatModel: ReproduceResults['threatModel'],
  cell: CellFormat,
  seedNote: string,
): string[] {
  const p = o.profile;
  const row = (
    label: string,
    key: F2Key,
    paper: { standardAcc: number; robustAcc: number; note?: string },
  ) =>
    `| ${label} | ${cell.figure2(key, 'standardAcc')} | ${cell.figure2(key, 'robustAcc')} | ${paper.standardAcc} | ${paper.note ?? paper.robustAcc} |`;
  const t1 = (key: T1Key) =>
    `| ${key} | ${cell.table1(key, 'testAcc')} | ${cell.table1(key, 'attackSuccess')} | ${PAPER_TABLE1[key].testAcc} |`;
  return [
    `# Reproduction of Ilyas et al. 2019 — ${o.data}, profile ${p.name}`,
    '',
    `Model \`${p.model}\`, ${p.trainLimit ?? 'all'} training images, ${p.epochs} epochs (constructed sets: ${p.constructedEpochs}), standard training ${recipe(p.optimizer)}, cosine schedule, batch ${p.batchSize}, ${seedNote}; backend ${backendLabel()}.`,
    `Robust accuracy: ${normLabel(threatModel.norm)} PGD-${threatModel.steps}, ε = ${epsLabel(threatModel.eps)}, step 2.5·ε/steps, ${p.evaluation.restarts} restarts, on ${p.testLimit ?? 'all'} test images. Adversarial training: ${normLabel(p.adversarial.norm)} ε = ${epsLabel(p.adversarial.eps)}, PGD-${p.adversarial.steps}, ${recipe(p.adversarial.optimizer)}.`,
    `D_R / D_NR: ${p.inversion.steps} steps of ${p.inversion.stepSize} from ${p.inversion.start === 'other-image' ? 'another training image chosen independently of the label' : 'noise 0.5 + N(0,1)/20'}${p.inversion.fakeRelu ? ", the gradient passed through g's final ReLU as the identity (robustness' fake_relu)" : ''}. D_rand / D_det: targeted ${normLabel(p.relabel.norm)} PGD, ε = ${epsLabel(p.relabel.eps)}, ${p.relabel.steps} steps of ${p.relabel.stepSize}.`,
    '',
    '## Figure 2: standard and robust accuracy (%) on the original test set',
    '',
    `| training set | ours: standard | ours: robust (${normLabel(threatModel.norm)} ε=${epsLabel(threatModel.eps)}) | paper CIFAR-10: standard | paper: robust (${PAPER_FIGURE2.threat}) |`,
    '|---|---|---|---|---|',
    row('D (standard training)', 'standard_D', PAPER_FIGURE2.standard_D),
    row('D (adversarial training)', 'adversarial_D', PAPER_FIGURE2.adversarial_D),
    row('D_R (standard training)', 'standard_DR', PAPER_FIGURE2.standard_DR),
    row('D_NR (standard training)', 'standard_DNR', PAPER_FIGURE2.standard_DNR),
    '',
    `D_R closes ${cell.gapClosed} of the gap in robust accuracy between standard and adversarial training on D, (D_R − D) / (adversarial − D) (the paper's CIFAR-10 bars: about 55–58 %).`,
    '',
    ...(threatModel.norm === 'linf'
      ? [
          `The paper's robust column is its L2 figure (${PAPER_FIGURE2.threat}), the one Figure 2 shows; it is there for the pattern (D_R well above D_NR, adversarial training above both), not for the values, which are measured in another threat model on another dataset.`,
          '',
        ]
      : []),
    '## Table 1: test accuracy (%) on the original test set after training on relabelled data',
    '',
    '| training set | ours: test accuracy | ours: targeted attack success | paper CIFAR-10: test accuracy |',
    '|---|---|---|---|',
    t1('D_rand'),
    t1('D_det'),
    '',
  ];
}

function markdown(
  o: ReproduceOptions,
  r: ReproduceResults,
  timings: StepTiming[],
  clock: RunClock,
): string {
  const cell: CellFormat = {
    figure2: (k, f) => pct(r.figure2[k][f]),
    table1: (k, f) => pct(r.table1[k][f]),
    gapClosed: `${pct(gapClosed(r.figure2))} %`,
  };
  return [
    ...resultTables(o, r.threatModel, cell, `seed ${o.profile.seed}`),
    `## Time per step (seconds; pool of ${clock.poolSize})`,
    '',
    'Steps overlap when the pool has more than one thread: "started" is seconds from the start of the run that computed the step, "thread time" sums its tasks (its chunks ran side by side).',
    '',
    '| step | started | wall | thread time |',
    '|---|---|---|---|',
    ...timings.map(
      (t) =>
        `| ${t.step} | ${t.startedAt?.toFixed(0) ?? '—'} | ${t.seconds.toFixed(1)} | ${(t.threadSeconds ?? t.seconds).toFixed(1)} |`,
    ),
    `| **this run, start to report** | | ${clock.wallSeconds.toFixed(1)} | ${timings.reduce((s, t) => s + (t.threadSeconds ?? t.seconds), 0).toFixed(1)} |`,
    '',
  ].join('\n');
}
