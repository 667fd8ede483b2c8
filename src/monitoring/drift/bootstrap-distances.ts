import type { ReferenceProfile } from '../profile/reference-profile.js';
import { NUMERIC_DESCRIPTORS, type NumericDescriptor } from '../profile/text-descriptors.js';
import type { DriftDefaults } from './drift-defaults.js';
import { descriptorScale, type SamplePool } from './drift-side.js';
import type { DistanceTestName } from './distance-tests.js';
import { jensenShannonDistance, poolRareCategories } from './jensen-shannon.js';

/**
 * The distance tests between two bootstrap draws from the sample pool, given as how many times each
 * pool row was drawn: the same values measureDistances gives on the drawn sides (a test checks it),
 * in time linear in the pool instead of sorting every draw, so the noise floor can afford enough
 * rounds for a stable tail.
 */
export interface PoolOrder {
  /** Per descriptor: pool rows in ascending order of the value, and the values in that order. */
  readonly rows: Readonly<Record<NumericDescriptor, Int32Array>>;
  readonly values: Readonly<Record<NumericDescriptor, Float64Array>>;
  /** Label index (into `labelNames`) of each pool row. */
  readonly label: Int32Array;
  readonly labelNames: readonly string[];
}

export function poolOrder(pool: SamplePool): PoolOrder {
  const rows = {} as Record<NumericDescriptor, Int32Array>;
  const values = {} as Record<NumericDescriptor, Float64Array>;
  for (const d of NUMERIC_DESCRIPTORS) {
    const col = pool.numeric[d];
    const order = Int32Array.from({ length: pool.rows }, (_, i) => i).sort((a, b) => col[a]! - col[b]!);
    rows[d] = order;
    values[d] = Float64Array.from(order, (r) => col[r]!);
  }
  const names = [...new Set(pool.labels)];
  const index = new Map(names.map((l, i) => [l, i]));
  return { rows, values, label: Int32Array.from(pool.labels, (l) => index.get(l)!), labelNames: names };
}

export function bootstrapDistances(
  profile: ReferenceProfile, pool: SamplePool, order: PoolOrder, a: Int32Array, b: Int32Array, d: DriftDefaults,
): Record<DistanceTestName, number> {
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { na += a[i]!; nb += b[i]!; }
  const out = {} as Record<DistanceTestName, number>;
  const { std } = descriptorScale(profile);
  for (const name of NUMERIC_DESCRIPTORS) {
    const rows = order.rows[name];
    const v = order.values[name];
    let fa = 0;
    let fb = 0;
    let area = 0;
    for (let k = 0; k < rows.length - 1; k++) {
      fa += a[rows[k]!]! / na;
      fb += b[rows[k]!]! / nb;
      area += Math.abs(fa - fb) * (v[k + 1]! - v[k]!);
    }
    out[`wasserstein:${name}`] = area / Math.max(std[name], d.minReferenceStd);
  }
  const la = new Float64Array(order.labelNames.length);
  const lb = new Float64Array(order.labelNames.length);
  const ba = new Float64Array(1 << d.jsTokenBucketBits);
  const bb = new Float64Array(1 << d.jsTokenBucketBits);
  for (let r = 0; r < pool.rows; r++) {
    const ca = a[r]!;
    const cb = b[r]!;
    if (ca === 0 && cb === 0) continue;
    la[order.label[r]!]! += ca;
    lb[order.label[r]!]! += cb;
    for (let k = pool.offsets[r]!; k < pool.offsets[r + 1]!; k++) { ba[pool.buckets[k]!]! += ca; bb[pool.buckets[k]!]! += cb; }
  }
  // Labels no draw holds are absent from a drawn side's map; zero entries change neither the pooling nor the distance.
  const labels = poolRareCategories(la, lb, d.minExpectedCount);
  out['jensen-shannon:predicted-label'] = jensenShannonDistance(labels.p, labels.q, d.jsLogBase);
  const buckets = poolRareCategories(ba, bb, d.minExpectedCount);
  out['jensen-shannon:token-buckets'] = jensenShannonDistance(buckets.p, buckets.q, d.jsLogBase);
  return out;
}
