import type { ReferenceProfile } from '../profile/reference-profile.js';
import { NUMERIC_DESCRIPTORS } from '../profile/text-descriptors.js';
import type { DriftDefaults } from './drift-defaults.js';
import { alignLabelCounts, descriptorScale, type DriftSide } from './drift-side.js';
import { jensenShannonDistance, poolRareCategories } from './jensen-shannon.js';
import { normalisedWasserstein } from './wasserstein.js';

/** The distance tests, by name: `wasserstein:<descriptor>` and `jensen-shannon:<what>`. */
export const DISTANCE_TESTS = [
  ...NUMERIC_DESCRIPTORS.map((d) => `wasserstein:${d}` as const),
  'jensen-shannon:predicted-label', 'jensen-shannon:token-buckets',
] as const;
export type DistanceTestName = (typeof DISTANCE_TESTS)[number];

/**
 * Every distance test between a baseline side (the reference, or the previous window) and the
 * current side. Wasserstein distances are normed by the reference profile's standard deviation
 * (of winsorised lengths for length: drift-side.ts)
 * even against the previous window, so a value means the same thing in both comparisons.
 */
export function measureDistances(profile: ReferenceProfile, baseline: DriftSide, current: DriftSide, d: DriftDefaults): Record<DistanceTestName, number> {
  const out = {} as Record<DistanceTestName, number>;
  const { std } = descriptorScale(profile);
  for (const name of NUMERIC_DESCRIPTORS) {
    out[`wasserstein:${name}`] = normalisedWasserstein(baseline.numeric[name], current.numeric[name], std[name], d.minReferenceStd,
      baseline.numericCounts?.[name], current.numericCounts?.[name]);
  }
  const labels = alignLabelCounts(baseline.labelCounts, current.labelCounts);
  const pooledLabels = poolRareCategories(labels.p, labels.q, d.minExpectedCount);
  out['jensen-shannon:predicted-label'] = jensenShannonDistance(pooledLabels.p, pooledLabels.q, d.jsLogBase);
  const pooledBuckets = poolRareCategories(baseline.bucketCounts, current.bucketCounts, d.minExpectedCount);
  out['jensen-shannon:token-buckets'] = jensenShannonDistance(pooledBuckets.p, pooledBuckets.q, d.jsLogBase);
  return out;
}
