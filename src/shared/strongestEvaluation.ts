/**
 * The strongest robustness evaluation in a checkpoint's metrics.json, for the hover, the Runs
 * view and the Results panel: an `eval --attack` entry (evaluations[norm][ε][key]) of the highest
 * protocol strength (AutoAttack 3, APGD-T 2, one attack 1), the lowest robust accuracy among
 * equals; else the PGD figure of robustAcc. Plain JSON in, plain data out.
 */
export interface StrongestEvaluation {
  /** "AutoAttack (standard)", "APGD-T", "PGD-20". */
  label: string;
  norm: string;
  eps: string;
  robustAcc: number;
  /** PGD on the same images, when the evaluation ran it. */
  pgd?: { steps: number; robustAcc: number };
  n?: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

/** Every `eval --attack` entry of a metrics.json, flattened. */
export function attackEvaluations(
  metrics: unknown,
): (StrongestEvaluation & { strength: number })[] {
  const out: (StrongestEvaluation & { strength: number })[] = [];
  for (const [norm, byEps] of Object.entries(obj(obj(metrics)?.evaluations) ?? {}))
    for (const [eps, byKey] of Object.entries(obj(byEps) ?? {}))
      for (const e of Object.values(obj(byKey) ?? {})) {
        const r = obj(e);
        if (!r || typeof r.robustAcc !== 'number' || typeof r.label !== 'string') continue;
        const pgd = obj(r.pgd);
        out.push({
          label: r.label,
          norm,
          eps,
          robustAcc: r.robustAcc,
          strength: typeof r.strength === 'number' ? r.strength : 1,
          ...(pgd && typeof pgd.robustAcc === 'number' && typeof pgd.steps === 'number'
            ? { pgd: { steps: pgd.steps, robustAcc: pgd.robustAcc } }
            : {}),
          ...(typeof r.n === 'number' ? { n: r.n } : {}),
        });
      }
  return out;
}

export function strongestEvaluation(metrics: unknown): StrongestEvaluation | undefined {
  const best = attackEvaluations(metrics).sort(
    (a, b) => b.strength - a.strength || a.robustAcc - b.robustAcc,
  )[0];
  if (best)
    return {
      label: best.label,
      norm: best.norm,
      eps: best.eps,
      robustAcc: best.robustAcc,
      ...(best.pgd ? { pgd: best.pgd } : {}),
      ...(best.n === undefined ? {} : { n: best.n }),
    };
  const m = obj(metrics);
  const robust = obj(m?.robustAcc) ?? {};
  let pick: StrongestEvaluation | undefined;
  for (const [norm, byEps] of Object.entries(robust))
    for (const [eps, acc] of Object.entries(obj(byEps) ?? {})) {
      if (typeof acc !== 'number') continue;
      const steps = obj(obj(m?.attack)?.[norm])?.steps;
      if (!pick || Number(eps) > Number(pick.eps))
        pick = {
          label: `PGD-${typeof steps === 'number' ? steps : '?'}`,
          norm,
          eps,
          robustAcc: acc,
        };
    }
  return pick;
}
