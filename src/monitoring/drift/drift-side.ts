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
  /**
   * When present, `numeric[d]` holds each distinct value once (ascending) and this how many rows
   * hold it: a streamed window (drift-accumulator.ts) is summarised so, not row by row.
   */
  readonly numericCounts?: Readonly<Record<NumericDescriptor, ArrayLike<number>>>;
  readonly labelCounts: ReadonlyMap<string, number>;
  readonly bucketCounts: Float64Array;
}

/**
 * Lengths are unbounded (an HS line can run to 2,000 characters among lines of 40), and Wasserstein
 * moves with every text's excess, so a window that caught three very long lines would read as a
 * length drift. Lengths are therefore winsorised at the reference's 99th percentile on every side
 * (a text longer than that counts as that long), and normed by the winsorised reference's spread.
 * A real shift to longer texts still moves the mass below and onto the cap. The other descriptors
 * are bounded in [0, 1] and kept as they are.
 */
export const LENGTH_CAP_QUANTILE = 0.99;

export interface DescriptorScale {
  /** Values above are counted as this (Infinity: no cap). */
  readonly cap: Readonly<Record<NumericDescriptor, number>>;
  /** The reference's standard deviation after the cap: what Wasserstein distances are divided by. */
  readonly std: Readonly<Record<NumericDescriptor, number>>;
}

const scales = new WeakMap<ReferenceProfile, DescriptorScale>();

export function descriptorScale(profile: ReferenceProfile): DescriptorScale {
  const hit = scales.get(profile);
  if (hit) return hit;
  const cap = {} as Record<NumericDescriptor, number>;
  const std = {} as Record<NumericDescriptor, number>;
  for (const d of NUMERIC_DESCRIPTORS) { cap[d] = Infinity; std[d] = profile.numeric[d].std; }
  const q = profile.numeric.length.quantiles;
  cap.length = q[Math.min(q.length - 1, Math.floor(LENGTH_CAP_QUANTILE * q.length))]!;
  let sum = 0;
  for (const v of q) sum += Math.min(v, cap.length);
  const mean = sum / q.length;
  let ss = 0;
  for (const v of q) ss += (Math.min(v, cap.length) - mean) ** 2;
  std.length = Math.sqrt(ss / q.length);
  const out = { cap, std };
  scales.set(profile, out);
  return out;
}

function capped(values: ArrayLike<number>, cap: number): Float64Array {
  const out = Float64Array.from(values);
  if (cap !== Infinity) for (let i = 0; i < out.length; i++) if (out[i]! > cap) out[i] = cap;
  return out;
}

export function sideFromProfile(profile: ReferenceProfile, bucketBits: number): DriftSide {
  const numeric = {} as Record<NumericDescriptor, ArrayLike<number>>;
  const { cap } = descriptorScale(profile);
  for (const d of NUMERIC_DESCRIPTORS) numeric[d] = capped(profile.numeric[d].quantiles, cap[d]);
  const labelCounts = new Map<string, number>();
  profile.labels.forEach((l, i) => { const c = profile.predictedCounts[i]!; if (c > 0) labelCounts.set(l, c); });
  return { rows: profile.rows, numeric, labelCounts, bucketCounts: foldBuckets(profile.tokens.bucketCounts, profile.tokens.bucketBits, bucketBits) };
}

export function sideFromWindow(window: DriftWindow, profile: ReferenceProfile, bucketBits: number): DriftSide {
  const columns = descriptorColumns(window.stats, window.scores, profile.vocabulary);
  const { cap } = descriptorScale(profile);
  for (const d of NUMERIC_DESCRIPTORS) {
    const col = columns[d];
    if (cap[d] !== Infinity) for (let i = 0; i < col.length; i++) if (col[i]! > cap[d]) col[i] = cap[d];
    col.sort();
  }
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
  const numeric = descriptorColumns(s.stats, s.topScores, profile.vocabulary);
  const { cap } = descriptorScale(profile);
  for (const d of NUMERIC_DESCRIPTORS) numeric[d] = capped(numeric[d], cap[d]);
  const pool: SamplePool = {
    rows: n, numeric,
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
