/**
 * `reproduce --seeds 0,1,2`: the whole reproduction once per seed (DIR/seed-N, each resumable on
 * its own), then every bar and table cell as mean ± standard deviation over the seeds. The
 * top-level results.json keeps the single run's fields (figure2, table1, threatModel), holding the
 * means, so readers of one run read it unchanged; `aggregate` has mean, sd and the values per
 * cell, `perSeed` each run's results.
 */
import * as path from 'node:path';
import type { JobContext } from '../types';
import { writeJsonAtomic } from '../models/checkpoint';
import { writeFileAtomic } from '../formats/atomic';
import { backendLabel, versions } from '../provenance';
import { reproduce, type ReproduceOptions } from './pipeline';
import { gapClosed, resultTables, type ReproduceResults } from './report';

/** One cell over the seeds. std: the sample standard deviation (n − 1 in the denominator). */
export interface CellStats {
  mean: number;
  std: number;
  n: number;
  values: number[];
}

type Figure2 = ReproduceResults['figure2'];
type Table1 = ReproduceResults['table1'];
export interface SeedsResults extends ReproduceResults {
  seeds: number[];
  aggregate: {
    figure2: Record<keyof Figure2, { standardAcc: CellStats; robustAcc: CellStats }>;
    table1: Record<keyof Table1, { testAcc: CellStats; attackSuccess: CellStats }>;
    /** report.ts `gapClosed` per seed (and of the means in `fromMeans`). */
    gapClosed: CellStats & { fromMeans: number };
    std: 'sample standard deviation over seeds (n − 1)';
  };
  perSeed: ({ seed: number; dir: string } & ReproduceResults)[];
}

export function cellStats(values: number[]): CellStats {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n, values };
}

export function parseSeeds(s: string): number[] {
  const parts = s.split(',').map((t) => t.trim());
  const seeds = parts.map(Number);
  if (parts.some((t) => t === '') || seeds.some((n) => !(Number.isInteger(n) && n >= 0)))
    throw new Error(`--seeds must be a comma-separated list of whole numbers ≥ 0, got '${s}'`);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds lists a seed twice: '${s}'`);
  return seeds;
}

export function aggregateSeeds(
  runs: { seed: number; dir: string; results: ReproduceResults }[],
): SeedsResults {
  const first = runs[0];
  if (!first) throw new Error('reproduce --seeds: no seed given');
  const f2Keys = Object.keys(first.results.figure2) as (keyof Figure2)[];
  const t1Keys = Object.keys(first.results.table1) as (keyof Table1)[];
  const over = (get: (r: ReproduceResults) => number) => cellStats(runs.map((r) => get(r.results)));
  const figure2 = {} as SeedsResults['aggregate']['figure2'];
  for (const k of f2Keys)
    figure2[k] = {
      standardAcc: over((r) => r.figure2[k].standardAcc),
      robustAcc: over((r) => r.figure2[k].robustAcc),
    };
  const table1 = {} as SeedsResults['aggregate']['table1'];
  for (const k of t1Keys)
    table1[k] = {
      testAcc: over((r) => r.table1[k].testAcc),
      attackSuccess: over((r) => r.table1[k].attackSuccess),
    };
  const means = <K extends string, F extends string>(
    o: Record<K, Record<F, CellStats>>,
  ): Record<K, Record<F, number>> =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [
        k,
        Object.fromEntries(
          Object.entries(v as Record<F, CellStats>).map(([f, c]) => [f, (c as CellStats).mean]),
        ),
      ]),
    ) as Record<K, Record<F, number>>;
  const meanFigure2 = means(figure2);
  return {
    figure2: meanFigure2,
    table1: means(table1),
    threatModel: first.results.threatModel,
    seeds: runs.map((r) => r.seed),
    aggregate: {
      figure2,
      table1,
      gapClosed: { ...over((r) => gapClosed(r.figure2)), fromMeans: gapClosed(meanFigure2) },
      std: 'sample standard deviation over seeds (n − 1)',
    },
    perSeed: runs.map((r) => ({ seed: r.seed, dir: r.dir, ...r.results })),
  };
}

const pm = (c: CellStats) =>
  Number.isFinite(c.mean) ? `${(100 * c.mean).toFixed(1)} ± ${(100 * c.std).toFixed(1)}` : '—';
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '—');

function markdown(o: ReproduceOptions, r: SeedsResults, wallSeconds: number): string {
  const a = r.aggregate;
  const seedList = r.seeds.join(', ');
  return [
    ...resultTables(
      o,
      r.threatModel,
      {
        figure2: (k, f) => pm(a.figure2[k][f]),
        table1: (k, f) => pm(a.table1[k][f]),
        gapClosed: `${pm(a.gapClosed)} % (per seed ${a.gapClosed.values.map(pct).join(', ')} %; ${pct(a.gapClosed.fromMeans)} % from the mean bars)`,
      },
      `seeds ${seedList}: every cell is mean ± sample standard deviation over ${r.seeds.length} runs`,
    ),
    '## Each seed (%)',
    '',
    '| seed | D std | D rob | adv std | adv rob | D_R std | D_R rob | D_NR std | D_NR rob | D_rand | D_det | folder |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.perSeed.map((s) => {
      const f = s.figure2;
      return `| ${s.seed} | ${[f.standard_D, f.adversarial_D, f.standard_DR, f.standard_DNR]
        .flatMap((p) => [pct(p.standardAcc), pct(p.robustAcc)])
        .join(
          ' | ',
        )} | ${pct(s.table1.D_rand.testAcc)} | ${pct(s.table1.D_det.testAcc)} | ${path.basename(s.dir)} |`;
    }),
    '',
    `Wall time of this call, all seeds: ${wallSeconds.toFixed(1)} s (each seed's results.md has its steps' times).`,
    '',
  ].join('\n');
}

export async function reproduceSeeds(
  o: ReproduceOptions,
  seeds: number[],
  ctx: JobContext = {},
): Promise<SeedsResults> {
  const t0 = Date.now();
  const runs: { seed: number; dir: string; results: ReproduceResults }[] = [];
  for (const seed of seeds) {
    const dir = path.join(o.out, `seed-${seed}`);
    ctx.log?.(`reproduce: seed ${seed} into ${dir}`);
    const results = await reproduce({ ...o, profile: { ...o.profile, seed }, out: dir }, ctx);
    runs.push({ seed, dir, results });
  }
  const r = aggregateSeeds(runs);
  const wallSeconds = (Date.now() - t0) / 1000;
  writeJsonAtomic(path.join(o.out, 'results.json'), r);
  writeJsonAtomic(path.join(o.out, 'manifest.json'), {
    kind: 'reproduction-seeds',
    data: o.data,
    profile: { ...o.profile, seed: undefined },
    seeds,
    measuredHow: {
      cells: `mean and sample standard deviation (n − 1) over ${seeds.length} full runs, one per seed; each run's manifest.json (seed-N/) says how its numbers were measured`,
    },
    runs: runs.map((r) => ({ seed: r.seed, dir: r.dir })),
    wallSeconds,
    backend: backendLabel(),
    versions: versions(),
    createdAt: new Date().toISOString(),
  });
  writeFileAtomic(path.join(o.out, 'results.md'), markdown(o, r, wallSeconds));
  return r;
}
