/**
 * The paper's pipeline in one call (Figure 2 and Table 1): standard and adversarial training on D;
 * D_R, D_NR, D_rand, D_det built from them; standard training on each; evaluation on the original
 * test set. Every step writes its own folder and is skipped when a rerun finds it finished.
 *
 * With a pool of n > 1 the steps run as a task graph on n threads, each its own single-threaded
 * wasm instance (plan.ts, schedule.ts): the two trainings on D side by side, every construction
 * chunk a task of its own. With n = 1 every step runs on this thread, in the graph's order.
 * Results are the same either way (every random choice depends only on the seed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobContext } from '../types';
import { writeJsonAtomic } from '../models/checkpoint';
import type { ConstructKind } from '../construct/config';
import type { BuildSummary } from '../construct/assemble';
import { finishedSummary } from '../construct/build';
import type { RobustEvalResult } from '../eval/robust';
import type { ReproduceProfile } from '../formats/profiles';
import { evaluateCached, evalSettings } from './evaluateCached';
import { planReproduction, EVALUATED, constructConfig } from './plan';
import { runDag, type TaskRecord } from './schedule';
import { writeReport, type ReproduceResults, type StepTiming } from './report';
import { killPoint } from '../testKill';

export interface ReproduceOptions {
  profile: ReproduceProfile;
  data: string;
  out: string;
  /** Threads (each its own wasm instance) running the steps; 1 = this thread only (default). */
  poolSize?: number;
}

export async function reproduce(
  o: ReproduceOptions,
  ctx: JobContext = {},
): Promise<ReproduceResults> {
  fs.mkdirSync(o.out, { recursive: true });
  killPoint('start', o.out);
  const slots = Math.max(1, o.poolSize ?? 1);
  const tasks = await planReproduction(o, slots);
  ctx.log?.(
    `reproduce: ${tasks.length} tasks on ${slots === 1 ? 'this thread' : `${slots} threads`}`,
  );
  const t0 = Date.now();
  const records = await runDag(tasks, slots, ctx);
  const timings = mergeTimings(path.join(o.out, 'timings.json'), records, slots);
  const built: Partial<Record<ConstructKind, BuildSummary>> = {};
  for (const kind of ['robust', 'nonrobust', 'rand', 'det'] as const) {
    const dir = path.join(o.out, `D_${kind}`);
    const summary = finishedSummary(dir, constructConfig(o, kind));
    if (!summary) throw new Error(`${dir}: the build did not finish`);
    built[kind] = summary;
  }
  const evals: Record<string, RobustEvalResult> = {};
  // Read from each checkpoint's eval.json (the graph computed them), so this costs no attack.
  for (const name of EVALUATED)
    evals[name] = await evaluateCached(
      path.join(o.out, name),
      evalSettings(o.data, o.profile),
      ctx,
    );
  return writeReport(o, built, evals, timings, {
    wallSeconds: (Date.now() - t0) / 1000,
    poolSize: slots,
  });
}

/**
 * Per report step: when it started and ended (seconds from the start of the run) and the thread
 * time of its tasks. A rerun that skipped a whole step keeps the times the step really took.
 */
function mergeTimings(file: string, records: TaskRecord[], poolSize: number): StepTiming[] {
  const old: StepTiming[] = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as StepTiming[])
    : [];
  const steps = [...new Set(records.map((r) => r.step))];
  const timings = steps.map((step): StepTiming => {
    const mine = records.filter((r) => r.step === step && !r.skipped);
    const previous = old.find((t) => t.step === step);
    if (!mine.length && previous) return previous;
    const start = Math.min(...mine.map((r) => r.start));
    const end = Math.max(...mine.map((r) => r.end));
    return {
      step,
      seconds: mine.length ? end - start : 0,
      threadSeconds: mine.reduce((s, r) => s + r.end - r.start, 0),
      startedAt: mine.length ? start : 0,
      poolSize,
    };
  });
  writeJsonAtomic(file, timings);
  return timings;
}
