/**
 * Exact binomial tail sums and Clopper-Pearson bounds, enough for McNemar's exact test and its
 * interval on the discordant pairs of two classifiers. Sums run in log space so that tens of
 * thousands of trials neither underflow nor lose the small tails the bounds live in.
 */

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnF = logFactorial(n);
  const terms = new Float64Array(k + 1);
  let max = -Infinity;
  for (let i = 0; i <= k; i++) {
    const t = lnF - logFactorial(i) - logFactorial(n - i) + i * lp + (n - i) * lq;
    terms[i] = t;
    if (t > max) max = t;
  }
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(terms[i]! - max);
  return Math.min(1, Math.exp(max) * sum);
}

/**
 * The p where `f` (monotone on [0, 1]) crosses `target`; `increasing` says which way it runs.
 * 60 halvings put the answer within 1e-18 of the crossing.
 */
function bisect(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if ((f(mid) < target) === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The two-sided (1 - alpha) Clopper-Pearson interval of a binomial proportion after `successes`
 * of `trials`: each bound leaves alpha/2 in its tail, so the coverage is at least 1 - alpha.
 */
export function clopperPearson(successes: number, trials: number, alpha: number): { lower: number; upper: number } {
  if (trials === 0) return { lower: 0, upper: 1 };
  const tail = alpha / 2;
  // Lower: P(X >= successes; p) = tail, i.e. 1 - cdf(successes - 1; p) rises with p.
  const lower = successes === 0 ? 0 : bisect((p) => 1 - binomialCdf(successes - 1, trials, p), tail, true);
  // Upper: P(X <= successes; p) = tail, falling with p.
  const upper = successes === trials ? 1 : bisect((p) => binomialCdf(successes, trials, p), tail, false);
  return { lower, upper };
}

/**
 * McNemar's exact test: under "both classifiers are equally accurate" each discordant pair favours
 * either side with probability 1/2. Two-sided p-value (twice the smaller tail, at most 1).
 */
export function mcnemarExactP(candidateOnly: number, championOnly: number): number {
  const d = candidateOnly + championOnly;
  if (d === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(candidateOnly, championOnly), d, 0.5));
}
