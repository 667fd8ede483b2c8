/**
 * Jensen-Shannon distance between two count vectors over the same categories: the square root of
 * the mean Kullback-Leibler divergence of each side from their average, as scipy's
 * spatial.distance.jensenshannon (which Evidently's "jensenshannon" stattest calls with the default
 * natural-log base; 0 for identical shares, sqrt(ln 2) = 0.83 for disjoint ones).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base = Math.E): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) { sp += p[i]!; sq += q[i]!; }
  if (sp === 0 || sq === 0) return 0;
  let div = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    if (a > 0) div += a * Math.log(a / m);
    if (b > 0) div += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, div / 2 / Math.log(base)));
}

/**
 * Pools categories too rare to measure into one "other" category (DRIFT_DEFAULTS.minExpectedCount):
 * a category stays on its own when its mean share of the two sides times the smaller side's total
 * reaches `minExpected`. A category new in one side and frequent there therefore stays visible.
 * Returns the pooled vectors, the last entry being "other".
 */
export function poolRareCategories(p: ArrayLike<number>, q: ArrayLike<number>, minExpected: number): { p: Float64Array; q: Float64Array } {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) { sp += p[i]!; sq += q[i]!; }
  const smaller = Math.min(sp, sq);
  const keepP: number[] = [];
  const keepQ: number[] = [];
  let otherP = 0;
  let otherQ = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    const share = ((sp > 0 ? a / sp : 0) + (sq > 0 ? b / sq : 0)) / 2;
    if (share * smaller >= minExpected) { keepP.push(a); keepQ.push(b); } else { otherP += a; otherQ += b; }
  }
  keepP.push(otherP);
  keepQ.push(otherQ);
  return { p: Float64Array.from(keepP), q: Float64Array.from(keepQ) };
}
