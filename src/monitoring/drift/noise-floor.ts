import { createRandom } from '../../core/random.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import type { DriftDefaults } from './drift-defaults.js';
import { bootstrapDistances, poolOrder } from './bootstrap-distances.js';
import { samplePool } from './drift-side.js';
import { DISTANCE_TESTS, type DistanceTestName } from './distance-tests.js';

export interface NoiseFloor {
  /** Mean and standard deviation of the bootstrap distances. */
  readonly mean: number;
  readonly sd: number;
  /** The log-normal (same mean and sd) quantile at nullSigmas: what sampling alone rarely exceeds. */
  readonly floor: number;
}

const cache = new WeakMap<ReferenceProfile, Map<string, Record<DistanceTestName, NoiseFloor>>>();

/**
 * How far each distance test reads between two samples of the same texts at these sizes: the
 * bootstrap of DRIFT_DEFAULTS.nullRounds pairs (a baseline of `baselineRows` and a current side of
 * `currentRows`, drawn with replacement from the profile's sample, so the near-duplicate lines
 * real traffic holds are in the noise too). Cached per profile and size class: successive windows
 * of about one size cost it once.
 */
/**
 * Sizes rounded down to a grid of eighth powers of two (1000 -> 939, 5000 -> 4870): windows of a
 * time range vary in size, and a floor measured at a slightly smaller size is slightly higher (the
 * quiet side), so nearby sizes share one bootstrap instead of each paying for its own.
 */
export function sizeClass(n: number): number {
  if (n <= 8) return Math.max(1, n);
  return Math.floor(2 ** (Math.floor(8 * Math.log2(n) + 1e-9) / 8));
}

export function noiseFloors(profile: ReferenceProfile, baselineRows: number, currentRows: number, d: DriftDefaults): Record<DistanceTestName, NoiseFloor> {
  const nb = sizeClass(Math.min(baselineRows, d.nullMaxRows));
  const nc = sizeClass(Math.min(currentRows, d.nullMaxRows));
  const key = `${nb}:${nc}:${d.nullRounds}:${d.nullSigmas}:${d.nullSeed}:${d.jsTokenBucketBits}:${d.minExpectedCount}:${d.minReferenceStd}`;
  let byKey = cache.get(profile);
  if (!byKey) { byKey = new Map(); cache.set(profile, byKey); }
  const hit = byKey.get(key);
  if (hit) return hit;

  const pool = samplePool(profile, d.jsTokenBucketBits);
  const order = poolOrder(pool);
  const random = createRandom(d.nullSeed);
  const a = new Int32Array(pool.rows);
  const b = new Int32Array(pool.rows);
  const values = Object.fromEntries(DISTANCE_TESTS.map((t) => [t, [] as number[]])) as Record<DistanceTestName, number[]>;
  for (let r = 0; r < d.nullRounds; r++) {
    a.fill(0);
    b.fill(0);
    for (let i = 0; i < nb; i++) a[random.int(pool.rows)]!++;
    for (let i = 0; i < nc; i++) b[random.int(pool.rows)]!++;
    const m = bootstrapDistances(profile, pool, order, a, b, d);
    for (const t of DISTANCE_TESTS) values[t].push(m[t]);
  }
  const out = {} as Record<DistanceTestName, NoiseFloor>;
  for (const t of DISTANCE_TESTS) {
    const v = values[t];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    // Distances are positive and skewed to the right (a window's rare long texts or digit-heavy
    // lines stretch the upper tail), so the tail is that of a log-normal with this mean and sd (a
    // normal quantile is exceeded by same-source windows several times as often). Fitted by moments,
    // not on logs, because a rare descriptor's distance is often exactly 0 (no draw held one).
    const s2 = mean > 0 ? Math.log(1 + (sd / mean) ** 2) : 0;
    const floor = mean > 0 ? Math.exp(Math.log(mean) - s2 / 2 + d.nullSigmas * Math.sqrt(s2)) : 0;
    out[t] = { mean, sd, floor };
  }
  byKey.set(key, out);
  return out;
}
