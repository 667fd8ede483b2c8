import type { ReferenceProfile } from '../profile/reference-profile.js';
import { descriptorColumns, NUMERIC_DESCRIPTORS, type NumericDescriptor } from '../profile/text-descriptors.js';
import { foldBuckets, tokenBucket } from '../profile/token-buckets.js';
import type { TextStats } from '../text-stats.js';
import type { DriftWindow } from './drift-window.js';

/**
 * One side of a comparison reduced to what the distance tests read: sorted values per numeric
 * descriptor, predicted-label counts and token-bucket counts. The reference profile, a production
 * window and a bootstrap draw from the profile's sample all become a DriftSide, so one function
 * measures all of them the same way.
 */
export interface DriftSide {
  readonly rows: number;
  readonly numeric: Readonly<Record<NumericDescriptor, ArrayLike<number>>>;
  readonly labelCounts: ReadonlyMap<string, number>;
  readonly bucketCounts: Float64Array;
}

export function sideFromProfile(profile: ReferenceProfile, bucketBits: number): DriftSide {
  const numeric = {} as Record<NumericDescriptor, ArrayLike<number>>;
  for (const d of NUMERIC_DESCRIPTORS) numeric[d] = profile.numeric[d].quantiles;
  const labelCounts = new Map<string, number>();
  profile.labels.forEach((l, i) => { const c = profile.predictedCounts[i]!; if (c > 0) labelCounts.set(l, c); });
  return { rows: profile.rows, numeric, labelCounts, bucketCounts: foldBuckets(profile.tokens.bucketCounts, profile.tokens.bucketBits, bucketBits) };
}

export function sideFromWindow(window: DriftWindow, vocabulary: Uint32Array, bucketBits: number): DriftSide {
  const columns = descriptorColumns(window.stats, window.scores, vocabulary);
  for (const d of NUMERIC_DESCRIPTORS) columns[d].sort();
  const labelCounts = new Map<string, number>();
  for (const l of window.labels) labelCounts.set(l, (labelCounts.get(l) ?? 0) + 1);
  return { rows: window.stats.length, numeric: columns, labelCounts, bucketCounts: bucketCountsOf(window.stats, bucketBits) };
}

export function bucketCountsOf(stats: readonly TextStats[], bucketBits: number): Float64Array {
  const counts = new Float64Array(1 << bucketBits);
  for (const s of stats) {
    const h = s.tokenHashes;
    for (let k = 0; k < h.length; k++) counts[tokenBucket(h[k]!, bucketBits)]!++;
  }
  return counts;
}

/** The profile's sample as columns once (cached per profile): the pool bootstrap sides are drawn from. */
export interface SamplePool {
  readonly rows: number;
  readonly numeric: Readonly<Record<NumericDescriptor, Float64Array>>;
  readonly labels: readonly string[];
  /** Bucket of every sample token, rows delimited by offsets. */
  readonly buckets: Uint32Array;
  readonly offsets: Uint32Array;
}

const pools = new WeakMap<ReferenceProfile, Map<number, SamplePool>>();

export function samplePool(profile: ReferenceProfile, bucketBits: number): SamplePool {
  let byBits = pools.get(profile);
  if (!byBits) { byBits = new Map(); pools.set(profile, byBits); }
  const cached = byBits.get(bucketBits);
  if (cached) return cached;
  const s = profile.sample;
  const n = s.stats.length;
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + s.stats[i]!.tokenHashes.length;
  const buckets = new Uint32Array(offsets[n]!);
  s.stats.forEach((st, i) => st.tokenHashes.forEach((h, k) => { buckets[offsets[i]! + k] = tokenBucket(h, bucketBits); }));
  const pool: SamplePool = {
    rows: n, numeric: descriptorColumns(s.stats, s.topScores, profile.vocabulary),
    labels: Array.from(s.predicted, (i) => profile.labels[i]!), buckets, offsets,
  };
  byBits.set(bucketBits, pool);
  return pool;
}

/** A side made of pool rows (with repeats): one bootstrap draw. */
export function sideFromPool(pool: SamplePool, rows: Int32Array, bucketBits: number): DriftSide {
  const numeric = {} as Record<NumericDescriptor, Float64Array>;
  for (const d of NUMERIC_DESCRIPTORS) {
    const src = pool.numeric[d];
    const col = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) col[i] = src[rows[i]!]!;
    numeric[d] = col.sort();
  }
  const labelCounts = new Map<string, number>();
  const bucketCounts = new Float64Array(1 << bucketBits);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const l = pool.labels[r]!;
    labelCounts.set(l, (labelCounts.get(l) ?? 0) + 1);
    for (let k = pool.offsets[r]!; k < pool.offsets[r + 1]!; k++) bucketCounts[pool.buckets[k]!]!++;
  }
  return { rows: rows.length, numeric, labelCounts, bucketCounts };
}

/** Counts of both sides over the union of their labels, in one order. */
export function alignLabelCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): { p: Float64Array; q: Float64Array; labels: string[] } {
  const labels = [...new Set([...a.keys(), ...b.keys()])];
  return { p: Float64Array.from(labels, (l) => a.get(l) ?? 0), q: Float64Array.from(labels, (l) => b.get(l) ?? 0), labels };
}
