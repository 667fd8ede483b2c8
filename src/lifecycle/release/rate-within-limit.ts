import type { RateVerdict } from './release-statistics.js';

/**
 * Is a rate (the share of answers over the p99 budget) below a limit, with confidence, read after
 * every tick? The mirror image of a breach test: a mixture likelihood ratio against alternatives
 * BELOW the limit, p_j = limit × {0.5, 0.25, 0.1, 0.01}, equal weights:
 *
 *   M_n = Σ_j w_j (p_j / p0)^k ((1 − p_j) / (1 − p0))^(n − k)      (k events in n trials, p0 = limit)
 *
 * For every true rate p ≥ p0 each factor has expectation p·p_j/p0 + (1−p)(1−p_j)/(1−p0) ≤ 1 (it is
 * 1 at p0 and falls with p, as p_j < p0), so M is a nonnegative supermartingale and reaches 1/α
 * with probability at most α (Ville): "within the limit" is then a safe call however often it is
 * read. With no slow answer at all and p0 = 1%, α = 0.05 it takes about 460 answers; the breach
 * direction ("above") is the same construction with alternatives above the limit, ×{1.5, 2, 5, 20}.
 */
export function rateAgainstLimit(events: number, trials: number, limit: number, alpha: number): RateVerdict {
  if (trials <= 0) return 'continue';
  const threshold = Math.log(1 / alpha);
  if (logMixture(events, trials, limit, ABOVE) >= threshold) return 'above';
  if (logMixture(events, trials, limit, BELOW) >= threshold) return 'below';
  return 'continue';
}

const BELOW = [0.5, 0.25, 0.1, 0.01];
const ABOVE = [1.5, 2, 5, 20];

/** log Σ_j (1/J) · LR_j, computed in logs (n reaches millions). */
function logMixture(k: number, n: number, p0: number, multiples: readonly number[]): number {
  const terms: number[] = [];
  for (const m of multiples) {
    const p = p0 * m;
    if (p <= 0 || p >= 1) continue;
    terms.push(k * Math.log(p / p0) + (n - k) * Math.log((1 - p) / (1 - p0)));
  }
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0) / terms.length);
}
