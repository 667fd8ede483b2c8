/**
 * The Wilson score interval for a proportion (here: accuracy = correct / labelled). Chosen over the
 * textbook normal ("Wald") interval because that one collapses to [1, 1] for 2 correct out of 2 and
 * leaves [0, 1] at small counts; Wilson stays inside [0, 1] and is honest at small n: 2/2 reads as
 * [0.34, 1], not 100%.
 */
export interface ProportionInterval {
  readonly lower: number;
  readonly upper: number;
}

/** z for a two-sided 95% interval (the 97.5th percentile of the standard normal). */
export const Z_95 = 1.959963984540054;

export function wilsonInterval(successes: number, trials: number, z = Z_95): ProportionInterval {
  if (!(trials > 0)) return { lower: 0, upper: 1 }; // no evidence: anything is possible
  if (successes < 0 || successes > trials) throw new RangeError(`wilsonInterval: ${successes} successes out of ${trials} trials`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At p = 0 or 1 the bound is exactly 0 or 1 mathematically; do not let float noise say otherwise.
  return { lower: successes === 0 ? 0 : Math.max(0, centre - half), upper: successes === trials ? 1 : Math.min(1, centre + half) };
}
