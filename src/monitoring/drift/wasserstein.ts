/**
 * First Wasserstein (earth mover's) distance between two empirical distributions given as sorted
 * values, each value weighing 1/n of its side: the area between the two cumulative distribution
 * functions, walked in one merge pass. Same value as scipy.stats.wasserstein_distance, which
 * Evidently calls.
 *
 * A side may instead be given as its distinct values (ascending) with how many rows hold each
 * (`aCounts`, `bCounts`): a streamed window of a million rows keeps one entry per distinct value,
 * not one per row. The walk adds the same whole numbers in the same order either way, so the
 * distance is bit for bit the one of the expanded sorted values.
 */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>, aCounts?: ArrayLike<number>, bCounts?: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  const na = aCounts ? total(aCounts) : n;
  const nb = bCounts ? total(bCounts) : m;
  let i = 0;
  let j = 0;
  let ci = 0;
  let cj = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let area = 0;
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    area += Math.abs(ci / na - cj / nb) * (x - prev);
    prev = x;
    while (i < n && a[i]! === x) { ci += aCounts ? aCounts[i]! : 1; i++; }
    while (j < m && b[j]! === x) { cj += bCounts ? bCounts[j]! : 1; j++; }
  }
  return area;
}

function total(counts: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += counts[i]!;
  return s;
}

/**
 * Evidently's "wasserstein" stattest (evidently/calculations/stattests/wasserstein_distance_norm.py:
 * `wasserstein_distance(reference, current) / max(np.std(reference), 0.001)`, drift when >= 0.1):
 * the distance in units of the reference's spread, so one threshold fits lengths in characters and
 * shares in [0, 1]. lading floors the spread at DRIFT_DEFAULTS.minReferenceStd (reason there).
 */
export function normalisedWasserstein(referenceSorted: ArrayLike<number>, currentSorted: ArrayLike<number>, referenceStd: number, minStd: number,
  referenceCounts?: ArrayLike<number>, currentCounts?: ArrayLike<number>): number {
  return wassersteinDistance(referenceSorted, currentSorted, referenceCounts, currentCounts) / Math.max(referenceStd, minStd);
}
