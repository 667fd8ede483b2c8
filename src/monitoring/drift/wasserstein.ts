/**
 * First Wasserstein (earth mover's) distance between two empirical distributions given as sorted
 * values, each value weighing 1/n of its side: the area between the two cumulative distribution
 * functions, walked in one merge pass. Same value as scipy.stats.wasserstein_distance, which
 * Evidently calls.
 */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let area = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    area += Math.abs(i / n - j / m) * (x - prev);
    prev = x;
    while (i < n && a[i]! === x) i++;
    while (j < m && b[j]! === x) j++;
  }
  return area;
}

/**
 * Evidently's "wasserstein" stattest (evidently/calculations/stattests/wasserstein_distance_norm.py:
 * `wasserstein_distance(reference, current) / max(np.std(reference), 0.001)`, drift when >= 0.1):
 * the distance in units of the reference's spread, so one threshold fits lengths in characters and
 * shares in [0, 1]. lading floors the spread at DRIFT_DEFAULTS.minReferenceStd (reason there).
 */
export function normalisedWasserstein(referenceSorted: ArrayLike<number>, currentSorted: ArrayLike<number>, referenceStd: number, minStd: number): number {
  return wassersteinDistance(referenceSorted, currentSorted) / Math.max(referenceStd, minStd);
}
