/**
 * The Theory panel's data, read from a theory run's theory.json (written by the engine's
 * runTheoryExperiment, src/engine/theory/run.ts): plain JSON, no computation in the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TheoryData } from '../../shared/webviewProtocol';
import { errorMessage } from '../../shared/errorMessage';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pair = (v: unknown): [number, number] | undefined =>
  Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')
    ? [v[0] as number, v[1] as number]
    : undefined;

interface TheoryJson {
  config?: { dim?: number };
  standard?: { gradientAngleDeg?: number };
  robust?: {
    eps: number;
    gradientAngleDeg: number;
    numerical?: {
      relErrorFrobenius?: number;
      converged?: boolean;
      iterations?: number;
      method?: string;
    };
  }[];
  plot?: {
    plane?: { description?: string };
    muStar?: unknown;
    ellipses?: { eps: number; points: unknown[]; gradient: unknown }[];
  };
  summary?: { maxRelErrorClosedFormVsNumerical?: number | null };
}

export function isTheoryFolder(folder: string): boolean {
  return fs.existsSync(path.join(folder, 'theory.json'));
}

export function readTheoryFolder(folder: string): TheoryData {
  const file = path.join(folder, 'theory.json');
  let t: TheoryJson;
  try {
    t = JSON.parse(fs.readFileSync(file, 'utf8')) as TheoryJson;
  } catch (e) {
    throw new Error(
      `${file}: ${errorMessage(e)} (run "Show Gaussian Theory" or robust-features theory --out ${folder})`,
    );
  }
  const robust = Array.isArray(t.robust) ? t.robust : [];
  const muStar = pair(t.plot?.muStar);
  return {
    folder,
    dim: t.config?.dim ?? 0,
    ...(t.plot?.plane?.description ? { plane: t.plot.plane.description } : {}),
    ...(muStar ? { muStar } : {}),
    ellipses: (t.plot?.ellipses ?? []).map((e) => ({
      eps: e.eps,
      points: e.points.map(pair).filter((p): p is [number, number] => !!p),
      gradient: pair(e.gradient) ?? [0, 0],
    })),
    standardAngleDeg: num(t.standard?.gradientAngleDeg) ?? NaN,
    angles: robust.map((r) => ({ eps: r.eps, angleDeg: r.gradientAngleDeg })),
    agreement: robust.map((r) => ({
      eps: r.eps,
      relError: num(r.numerical?.relErrorFrobenius),
      converged: typeof r.numerical?.converged === 'boolean' ? r.numerical.converged : null,
      iterations: num(r.numerical?.iterations),
    })),
    maxRelError: num(t.summary?.maxRelErrorClosedFormVsNumerical),
    method: robust.find((r) => r.numerical?.method)?.numerical?.method ?? '',
  };
}
