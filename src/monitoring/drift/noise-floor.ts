import { createRandom } from '../../core/random.js';
import type { ReferenceProfile } from '../profile/reference-profile.js';
import type { DriftDefaults } from './drift-defaults.js';
import { samplePool, sideFromPool } from './drift-side.js';
import { DISTANCE_TESTS, measureDistances, type DistanceTestName } from './distance-tests.js';

export interface NoiseFloor {
  /** Mean and standard deviation of the bootstrap distances. */
  readonly mean: number;
  readonly sd: number;
  /** exp(mean + nullSigmas x sd of the log distances): what sampling alone rarely exceeds. */
  readonly floor: number;
}

const cache = new WeakMap<ReferenceProfile, Map<string, Record<DistanceTestName, NoiseFloor>>>();

/**
 * How far each distance test reads between two samples of the same texts at these sizes: the
 * bootstrap of DRIFT_DEFAULTS.nullRounds pairs (a baseline of `baselineRows` and a current side of
 * `currentRows`, drawn with replacement from the profile's sample, so the near-duplicate lines
 * real traffic holds are in the noise too). Cached per profile and sizes: successive windows of
 * one size cost it once.
 */
export function noiseFloors(profile: ReferenceProfile, baselineRows: number, currentRows: number, d: DriftDefaults): Record<DistanceTestName, NoiseFloor> {
  const nb = Math.min(baselineRows, d.nullMaxRows);
  const nc = Math.min(currentRows, d.nullMaxRows);
  const key = `${nb}:${nc}:${d.nullRounds}:${d.nullSigmas}:${d.nullSeed}:${d.jsTokenBucketBits}:${d.minExpectedCount}:${d.minReferenceStd}`;
  let byKey = cache.get(profile);
  if (!byKey) { byKey = new Map(); cache.set(profile, byKey); }
  const hit = byKey.get(key);
  if (hit) return hit;

  const pool = samplePool(profile, d.jsTokenBucketBits);
  const random = createRandom(d.nullSeed);
  const draw = (n: number): Int32Array => Int32Array.from({ length: n }, () => random.int(pool.rows));
  const values = Object.fromEntries(DISTANCE_TESTS.map((t) => [t, [] as number[]])) as Record<DistanceTestName, number[]>;
  for (let r = 0; r < d.nullRounds; r++) {
    const baseline = sideFromPool(pool, draw(nb), d.jsTokenBucketBits);
    const current = sideFromPool(pool, draw(nc), d.jsTokenBucketBits);
    const m = measureDistances(profile, baseline, current, d);
    for (const t of DISTANCE_TESTS) values[t].push(m[t]);
  }
  const out = {} as Record<DistanceTestName, NoiseFloor>;
  for (const t of DISTANCE_TESTS) {
    const v = values[t];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
    // Distances are positive and skewed to the right (a window's rare long texts or digit-heavy
    // lines stretch the upper tail), so the tail is read on the log scale: a log-normal fit's
    // quantile, not the normal one's, which a same-source window exceeds several times as often.
    const logs = v.map((x) => Math.log(Math.max(x, 1e-9)));
    const lm = logs.reduce((a, b) => a + b, 0) / logs.length;
    const ls = Math.sqrt(logs.reduce((a, b) => a + (b - lm) ** 2, 0) / Math.max(1, logs.length - 1));
    out[t] = { mean, sd, floor: Math.exp(lm + d.nullSigmas * ls) };
  }
  byKey.set(key, out);
  return out;
}
