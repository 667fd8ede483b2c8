/**
 * The asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas,
 * "Time-uniform central limit theory and asymptotic confidence sequences" (2023, eq. 9), in the
 * form GrowthBook's gbstats uses. For a running mean of i.i.d. observations with per-observation
 * variance s² after n observations, the two-sided interval
 *
 *   mean ± sqrt(s²) · sqrt( 2 (n ρ² + 1) / (n ρ)² · ln( sqrt(n ρ² + 1) / α ) )
 *
 * covers the true mean at every n simultaneously with probability at least 1 - α (asymptotically),
 * so it may be read after every label without inflating false decisions: a fixed-horizon
 * interval read after every batch would exclude a true zero in far more than α of A/A runs.
 *
 * The tuning parameter is the mixing parameter ρ of the underlying normal mixture martingale. It
 * does not change validity, only where the sequence is tightest: ρ chosen by (paper eq. 161)
 *
 *   ρ = sqrt( ( -2 ln α + ln(-2 ln α + 1) ) / N* )
 *
 * makes the half-width smallest at n = N* observations (the "tuning labels"). The width is flat
 * around its minimum (within about 10% over a factor of 3 either way), so N* need only be the right
 * order of magnitude: the sample size at which the plan expects to decide. See
 * `defaultTuningLabels` in sequential-options.ts for lading's default and why.
 */

/** The mixing parameter ρ that makes the sequence tightest after `tuningLabels` observations. */
export function mixingRho(alpha: number, tuningLabels: number): number {
  const logAlpha = Math.log(alpha);
  return Math.sqrt((-2 * logAlpha + Math.log(-2 * logAlpha + 1)) / tuningLabels);
}

/** Half-width of the sequence after n observations of per-observation variance `variance`; Infinity before the first. */
export function halfWidth(variance: number, n: number, alpha: number, rho: number): number {
  if (n < 1) return Infinity;
  const nr2 = n * rho * rho;
  return Math.sqrt(variance) * Math.sqrt((2 * (nr2 + 1) / (nr2 * n)) * Math.log(Math.sqrt(nr2 + 1) / alpha));
}

/**
 * The smallest n at which the half-width falls to `target` for this variance (the half-width
 * only shrinks as n grows): how long a difference of `target` takes to show, were the variance to
 * stay where it is. Infinity when it never would within 10^12 observations.
 */
export function observationsForHalfWidth(variance: number, target: number, alpha: number, rho: number): number {
  if (!(target > 0)) return Infinity;
  if (variance <= 0) return 1;
  let hi = 1;
  while (halfWidth(variance, hi, alpha, rho) > target) {
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  let lo = hi / 2;
  if (hi === 1) return 1;
  // Invariant: width(lo) > target >= width(hi).
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (halfWidth(variance, mid, alpha, rho) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
