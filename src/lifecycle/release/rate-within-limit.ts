import { RateThresholdTest } from '../sequential/rate-threshold-test.js';
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
 * read. With no slow call at all and p0 = 1%, α = 0.05 it takes about 460 calls.
 */
export function rateAgainstLimit(events: number, trials: number, limit: number, alpha: number): RateVerdict {
  if (trials <= 0) return 'continue';
  // The breach direction is lifecycle/sequential's exact mixture test (alternatives above the limit).
  const above = new RateThresholdTest({ threshold: limit, alpha });
  above.addCounts({ requests: trials, events });
  if (above.breached()) return 'above';
  if (logMixture(events, trials, limit, BELOW) >= Math.log(1 / alpha)) return 'below';
  return 'continue';
}

const BELOW = [0.5, 0.25, 0.1, 0.01];

/** log Σ_j (1/J) · LR_j, computed in logs (n reaches millions). */
function logMixture(k: number, n: number, p0: number, multiples: readonly number[]): number {
  const terms = multiples.map((m) => k * Math.log(m) + (n - k) * Math.log((1 - p0 * m) / (1 - p0)));
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0) / terms.length);
}
