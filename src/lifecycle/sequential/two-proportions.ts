/**
 * The difference of two independent proportions (challenger − champion) as a running mean of the
 * confidence sequence: with nA + nB observations so far, the estimator's variance
 * pA(1−pA)/nA + pB(1−pB)/nB times (nA + nB) is the per-observation variance the sequence needs
 * (how gbstats feeds two-sample tests to the same formula). It assumes the share of observations
 * each arm gets stays about fixed, as a canary or A/B weight does.
 */
export interface ProportionDifference {
  readonly estimate: number;
  readonly variance: number;
  readonly observations: number;
}

export function proportionDifference(nA: number, kA: number, nB: number, kB: number): ProportionDifference {
  const observations = nA + nB;
  // Without one arm there is no difference to bound yet: an infinite variance gives the whole line.
  if (nA === 0 || nB === 0) return { estimate: 0, variance: Infinity, observations };
  const pA = kA / nA;
  const pB = kB / nB;
  const se2 = (pA * (1 - pA)) / nA + (pB * (1 - pB)) / nB;
  return { estimate: pB - pA, variance: se2 * observations, observations };
}
