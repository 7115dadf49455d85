/**
 * APGD's step-size checkpoints (Croce & Hein 2020, §3.2): p₀ = 0, p₁ = 0.22,
 * p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), checked at iteration w_j = ⌈p_j·N⌉. The
 * intervals start at 22% of the budget and shrink by 3% down to 6%: long at first, when the
 * large step explores, then ever more frequent chances to halve it and refine. Integer interval
 * lengths as in the reference implementation (0.22·N, −0.03·N, floor 0.06·N, each ≥ 1).
 */
export function apgdCheckpoints(iterations: number): number[] {
  const first = Math.max(Math.floor(0.22 * iterations), 1);
  const shrink = Math.max(Math.floor(0.03 * iterations), 1);
  const shortest = Math.max(Math.floor(0.06 * iterations), 1);
  const out: number[] = [];
  for (let w = first, len = first; w <= iterations;) {
    out.push(w);
    len = Math.max(len - shrink, shortest);
    w += len;
  }
  return out;
}

/** Momentum α of the APGD update (the paper's 0.75). */
export const APGD_MOMENTUM = 0.75;
/** Condition 1's threshold ρ: halve when fewer than ρ of the steps since the last check raised the loss. */
export const APGD_RHO = 0.75;

/**
 * The halving test at a checkpoint, for one example (paper, eq. 8–9): halve when
 * 1. the loss rose at fewer than ρ·k of the k steps since the last checkpoint (`rises` of them), or
 * 2. the step size was not halved at the last checkpoint and the best loss has not risen since.
 * The reference code tests `rises ≤ ρ·k`; this is the paper's strict `<`.
 */
export function shouldHalve(
  rises: number,
  k: number,
  halvedLast: boolean,
  bestAtLast: number,
  bestNow: number,
  rho = APGD_RHO,
): boolean {
  return rises < rho * k || (!halvedLast && bestAtLast >= bestNow);
}
