/**
 * One job result in words: a short form for the status bar, a sentence for the notification,
 * and the folder it wrote (revealed / opened from the notification). Pure, so it is testable.
 */
import type { JobResult } from '../../shared/workerProtocol';

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export interface ResultSummary {
  /** A few characters for the status bar, e.g. "91.2%". */
  short: string;
  /** One sentence for the notification. */
  long: string;
  /** The folder the job wrote. */
  outputDir: string;
}

function robustList(robustAcc: Record<string, Record<string, number>> | undefined): string[] {
  return Object.entries(robustAcc ?? {}).flatMap(([norm, byEps]) =>
    Object.entries(byEps).map(([eps, acc]) => `${norm} ε=${eps}: ${pct(acc)}`),
  );
}

export function summarizeResult(r: JobResult): ResultSummary {
  switch (r.kind) {
    case 'train': {
      const m = r.value.metrics;
      const robust = robustList(m.robustAcc);
      return {
        short: pct(m.standardAcc),
        long: `standard accuracy ${pct(m.standardAcc)}${robust.length ? `, robust ${robust.join(', ')}` : ''}`,
        outputDir: r.value.checkpointDir,
      };
    }
    case 'construct': {
      const v = r.value;
      if (!v.complete)
        return {
          short: `${v.chunksDone}/${v.chunks} chunks`,
          long: `${v.chunksDone} of ${v.chunks} chunks built`,
          outputDir: '',
        };
      const what =
        v.attackSuccess !== undefined
          ? `targeted attack success ${pct(v.attackSuccess)}`
          : v.meanDistance !== undefined
            ? `mean ‖g(x_r) − g(x)‖ ${v.meanDistance.toFixed(3)}${v.meanStartDistance !== undefined ? ` (from ${v.meanStartDistance.toFixed(3)})` : ''}`
            : 'built';
      return {
        short: `${v.n} images`,
        long: `${v.n} images, ${what}`,
        outputDir: v.outDir,
      };
    }
    case 'evaluate': {
      const v = r.value;
      const robust = Object.entries(v.robustAcc).map(([eps, a]) => `ε=${eps}: ${pct(a)}`);
      const first = Object.values(v.robustAcc)[0];
      return {
        short: first !== undefined ? `robust ${pct(first)}` : pct(v.standardAcc),
        long: `standard ${pct(v.standardAcc)}; robust (${v.norm}, PGD-${v.steps}) ${robust.join(', ')} on ${v.n} images`,
        outputDir: v.checkpointDir,
      };
    }
    case 'reproduce': {
      const f = r.value.results.figure2;
      return {
        short: `D_R ${pct(f.standard_DR.robustAcc)}`,
        long: `robust accuracy: standard ${pct(f.standard_D.robustAcc)}, adversarial ${pct(f.adversarial_D.robustAcc)}, D_R ${pct(f.standard_DR.robustAcc)}, D_NR ${pct(f.standard_DNR.robustAcc)} (results.md)`,
        outputDir: r.value.outDir,
      };
    }
    case 'theory':
      return {
        short: `${r.value.seconds.toFixed(1)} s`,
        long: `theory.json, ellipses.svg and angles.svg written`,
        outputDir: r.value.outDir,
      };
    case 'transfer': {
      const v = r.value;
      const c = v.figure3.correlations;
      return {
        short: `r = ${correlationText(v.correlation)}`,
        long: `${v.figure3.points.map((x) => `${x.arch} D_rand ${pct(x.dRandAcc)} / transfer ${pct(x.untargetedTransfer)} untargeted, ${pct(x.targetedTransfer)} targeted`).join('; ')}. Pearson r untargeted ${correlationText(c.untargeted.pearson.r)}, targeted ${correlationText(c.targeted.pearson.r)} (transfer.svg; results.json figure3 has the intervals)`,
        outputDir: v.outDir,
      };
    }
    case 'gradients':
      return {
        short: `edges ${r.value.standard.toFixed(2)} → ${r.value.robust.toFixed(2)}`,
        long: `edge alignment of input gradients: standard ${r.value.standard.toFixed(3)}, robust ${r.value.robust.toFixed(3)}`,
        outputDir: r.value.outDir,
      };
    default: {
      const never: never = r;
      return never;
    }
  }
}

/**
 * A correlation over too few or constant points is NaN, and JSON carries NaN across the worker
 * boundary as null: say so instead of failing on it.
 */
function correlationText(r: number | null): string {
  return typeof r === 'number' && Number.isFinite(r) ? r.toFixed(2) : 'undefined (too few points)';
}
