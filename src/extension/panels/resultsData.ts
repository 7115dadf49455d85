/**
 * Reads what the Results panel shows from a reproduction folder (src/engine/reproduce): results.json,
 * and every checkpoint folder under it (metrics.json / eval.json for accuracy vs ε,
 * manifest.json training.history for training curves). Plain file reading: no tensors here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PAPER_FIGURE2, PAPER_TABLE1 } from '../../engine/formats/paperNumbers';
import type { ResultsData } from '../../shared/webviewProtocol';
import { strongestEvaluation } from '../../shared/strongestEvaluation';

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** The newest epoch snapshot's history (epochs/NNNN/state.json): there while a training job runs. */
function snapshotHistory(dir: string): unknown[] | undefined {
  let names: string[];
  try {
    names = fs
      .readdirSync(path.join(dir, 'epochs'))
      .filter((n) => /^\d+$/.test(n))
      .sort();
  } catch {
    return undefined;
  }
  const last = names.at(-1);
  const h = last ? obj(readJson(path.join(dir, 'epochs', last, 'state.json')))?.history : undefined;
  return Array.isArray(h) ? h : undefined;
}

type Curve = { norm?: string; points: Map<number, number> };

/** One evaluation file's accuracy at each ε (0: standard accuracy), of `want`'s norm if it has it. */
function curveOf(ev: Record<string, unknown> | undefined, want?: string): Curve | undefined {
  if (!ev) return undefined;
  const points = new Map<number, number>();
  if (typeof ev.standardAcc === 'number') points.set(0, ev.standardAcc);
  const robust = obj(ev.robustAcc) ?? {};
  // robustAcc is either {eps: acc} (eval.json) or {norm: {eps: acc}} (metrics.json).
  const flat = Object.values(robust).every((v) => typeof v === 'number');
  const attackNorm = obj(ev.attack)?.norm;
  const norm = flat
    ? typeof attackNorm === 'string'
      ? attackNorm
      : undefined
    : want && want in robust
      ? want
      : Object.keys(robust)[0];
  const byEps = flat ? robust : (obj(norm === undefined ? undefined : robust[norm]) ?? {});
  for (const [e, a] of Object.entries(byEps))
    if (Number.isFinite(+e) && typeof a === 'number') points.set(+e, a);
  return { ...(norm ? { norm } : {}), points };
}

/**
 * Accuracy vs ε from both evaluation files: eval.json (reproduce's evaluation) and metrics.json
 * (training's, plus every later `eval` merged into it). Radii of the same threat model from both
 * are shown together, so an `eval` with more radii after a reproduction shows up. Where both hold
 * the same ε, eval.json's wins: it is the number Figure 2 and Table 1 show, and the curve must
 * agree with them.
 */
function accuracyCurve(dir: string): { norm?: string; curve: { eps: number; acc: number }[] } {
  const fromEval = curveOf(obj(obj(readJson(path.join(dir, 'eval.json')))?.result));
  const fromMetrics = curveOf(obj(readJson(path.join(dir, 'metrics.json'))), fromEval?.norm);
  const base = fromEval ?? fromMetrics;
  if (!base) return { curve: [] };
  const points = new Map(base.points);
  const sameNorm = !fromEval?.norm || !fromMetrics?.norm || fromEval.norm === fromMetrics.norm;
  if (fromEval && fromMetrics && sameNorm)
    for (const [e, a] of fromMetrics.points) points.set(e, a);
  const norm = base.norm ?? (sameNorm ? fromMetrics?.norm : undefined);
  const curve = [...points].map(([eps, acc]) => ({ eps, acc })).sort((x, y) => x.eps - y.eps);
  return { ...(norm ? { norm } : {}), curve };
}

function checkpoint(dir: string, name: string): ResultsData['checkpoints'][number] | undefined {
  const manifest = obj(readJson(path.join(dir, 'manifest.json')));
  const live = snapshotHistory(dir);
  if (manifest?.kind !== 'checkpoint' && !live) return undefined;
  const { norm, curve } = accuracyCurve(dir);
  const done = obj(manifest?.training)?.history;
  // A job still training has snapshots ahead of (or without) a final manifest: show those epochs.
  const hist = live && (!Array.isArray(done) || live.length > done.length) ? live : done;
  const history = Array.isArray(hist)
    ? hist
        .map(obj)
        .filter((h): h is Record<string, unknown> => !!h)
        .map((h) => ({
          epoch: num(h.epoch),
          loss: num(h.loss),
          accuracy: num(h.accuracy),
          ...(typeof h.testAccuracy === 'number' ? { testAccuracy: h.testAccuracy } : {}),
        }))
    : [];
  const strongest = strongestEvaluation(readJson(path.join(dir, 'metrics.json')));
  return { name, ...(norm ? { norm } : {}), curve, history, ...(strongest ? { strongest } : {}) };
}

/** results.json's `aggregate` (reproduce --seeds) as each cell's standard deviation. */
function spreadOf(json: Record<string, unknown>): Spread | undefined {
  const agg = obj(json.aggregate);
  const seeds = json.seeds;
  if (!agg || !Array.isArray(seeds)) return undefined;
  const stds = (section: unknown) =>
    Object.fromEntries(
      Object.entries(obj(section) ?? {}).map(([k, cell]) => [
        k,
        Object.fromEntries(Object.entries(obj(cell) ?? {}).map(([f, c]) => [f, num(obj(c)?.std)])),
      ]),
    );
  return {
    seeds: seeds.filter((s): s is number => typeof s === 'number'),
    figure2: stds(agg.figure2) as unknown as Spread['figure2'],
    table1: stds(agg.table1) as unknown as Spread['table1'],
  };
}
type Spread = NonNullable<NonNullable<ResultsData['results']>['spread']>;

/** Checkpoint folders one level down, and two under a reproduce --seeds folder's seed-N. */
function checkpointsUnder(folder: string): ResultsData['checkpoints'] {
  const out: ResultsData['checkpoints'] = [];
  const list = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir).sort();
    } catch {
      return []; /* missing folder: empty panel with a message */
    }
  };
  for (const e of list(folder)) {
    const c = checkpoint(path.join(folder, e), e);
    if (c) out.push(c);
    else if (/^seed-\d+$/.test(e))
      for (const s of list(path.join(folder, e))) {
        const cs = checkpoint(path.join(folder, e, s), `${e}/${s}`);
        if (cs) out.push(cs);
      }
  }
  return out;
}

/** A checkpoint folder itself, or a folder holding checkpoint folders (one level down). */
export function readResultsFolder(folder: string): ResultsData {
  const json = obj(readJson(path.join(folder, 'results.json')));
  const base = json as ResultsData['results'] | undefined;
  const spread = json ? spreadOf(json) : undefined;
  const results =
    base?.figure2 && base.table1
      ? {
          figure2: base.figure2,
          table1: base.table1,
          threatModel: base.threatModel,
          ...(spread ? { spread } : {}),
        }
      : undefined;
  const figure3 = obj(json?.figure3) as ResultsData['figure3'] | undefined;
  const checkpoints: ResultsData['checkpoints'] = [];
  const self = checkpoint(folder, path.basename(folder));
  if (self) checkpoints.push(self);
  else checkpoints.push(...checkpointsUnder(folder));
  const f2 = PAPER_FIGURE2;
  return {
    folder,
    ...(results ? { results } : {}),
    ...(figure3 && Array.isArray(figure3.points) ? { figure3 } : {}),
    paper: {
      threat: f2.threat,
      figure2: {
        standard_D: { ...f2.standard_D },
        adversarial_D: { ...f2.adversarial_D },
        standard_DR: { ...f2.standard_DR },
        standard_DNR: { ...f2.standard_DNR },
      },
      table1: { D_rand: { ...PAPER_TABLE1.D_rand }, D_det: { ...PAPER_TABLE1.D_det } },
    },
    checkpoints,
    updatedAt: new Date().toISOString(),
  };
}

/** Names and mtimes of the files the panel reads: changes when a job writes any of them. */
export function resultsSignature(folder: string): string {
  const parts: string[] = [];
  const stat = (f: string) => {
    try {
      parts.push(`${f}:${fs.statSync(f).mtimeMs}`);
    } catch {
      /* absent */
    }
  };
  stat(path.join(folder, 'results.json'));
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(folder);
  } catch {
    return '';
  }
  for (const e of ['', ...entries]) {
    for (const f of ['manifest.json', 'eval.json', 'metrics.json']) stat(path.join(folder, e, f));
    try {
      parts.push(`${e}/epochs:${fs.readdirSync(path.join(folder, e, 'epochs')).join(',')}`);
    } catch {
      /* no snapshots */
    }
  }
  return parts.join('|');
}
