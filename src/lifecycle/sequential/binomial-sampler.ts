/**
 * Exact Binomial(m, p) draws for every m up to `maxTrials`, by inverting a cumulative table with
 * one uniform: a simulated batch of 50 labels costs a handful of uniforms instead of 50, which is
 * what lets the tests run thousands of experiments to their full horizon in seconds.
 */
export class BinomialSampler {
  private readonly cdf: Float64Array;
  private readonly stride: number;

  constructor(readonly p: number, readonly maxTrials: number) {
    this.stride = maxTrials + 1;
    this.cdf = new Float64Array(this.stride * this.stride);
    if (p <= 0 || p >= 1) return;
    for (let m = 0; m <= maxTrials; m++) {
      let pmf = (1 - p) ** m;
      let sum = 0;
      const row = m * this.stride;
      for (let k = 0; k <= m; k++) {
        sum += pmf;
        this.cdf[row + k] = sum;
        pmf *= ((m - k) / (k + 1)) * (p / (1 - p));
      }
      // Rounding must never leave a uniform above the last entry.
      this.cdf[row + m] = 1;
    }
  }

  /** Successes in m trials, given a uniform u in [0, 1). */
  draw(m: number, u: number): number {
    if (m === 0 || this.p <= 0) return 0;
    if (this.p >= 1) return m;
    const row = m * this.stride;
    let k = 0;
    while (u >= this.cdf[row + k]!) k++;
    return k;
  }
}
