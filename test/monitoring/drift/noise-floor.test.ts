import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../../../src/core/random.js';
import { bootstrapDistances, poolOrder } from '../../../src/monitoring/drift/bootstrap-distances.js';
import { DISTANCE_TESTS, measureDistances } from '../../../src/monitoring/drift/distance-tests.js';
import { DRIFT_DEFAULTS } from '../../../src/monitoring/drift/drift-defaults.js';
import { samplePool, sideFromPool } from '../../../src/monitoring/drift/drift-side.js';
import { noiseFloors, sizeClass } from '../../../src/monitoring/drift/noise-floor.js';
import { syntheticProfile } from './synthetic-traffic.js';

describe('noise floors', () => {
  const profile = syntheticProfile(5);

  it('bootstrap distances from draw counts equal the distances of the drawn sides', () => {
    const pool = samplePool(profile, DRIFT_DEFAULTS.jsTokenBucketBits);
    const order = poolOrder(pool);
    const random = createRandom(9);
    for (const [na, nc] of [[2500, 300], [900, 900], [40, 2000]] as const) {
      const rowsA = Int32Array.from({ length: na }, () => random.int(pool.rows));
      const rowsB = Int32Array.from({ length: nc }, () => random.int(pool.rows));
      const a = new Int32Array(pool.rows);
      const b = new Int32Array(pool.rows);
      for (const r of rowsA) a[r]!++;
      for (const r of rowsB) b[r]!++;
      const fast = bootstrapDistances(profile, pool, order, a, b, DRIFT_DEFAULTS);
      const slow = measureDistances(profile, sideFromPool(pool, rowsA, DRIFT_DEFAULTS.jsTokenBucketBits), sideFromPool(pool, rowsB, DRIFT_DEFAULTS.jsTokenBucketBits), DRIFT_DEFAULTS);
      for (const t of DISTANCE_TESTS) assert.ok(Math.abs(fast[t] - slow[t]) < 1e-9, `${t} at ${na}/${nc}: ${fast[t]} vs ${slow[t]}`);
    }
  });

  it('shrinks as windows grow, and is cached per size class', () => {
    const small = noiseFloors(profile, profile.rows, 100, DRIFT_DEFAULTS);
    const large = noiseFloors(profile, profile.rows, 2000, DRIFT_DEFAULTS);
    // The synthetic texts are lower case and use training words only: those distances are always 0, and so are their floors.
    for (const t of ['wasserstein:oovRate', 'wasserstein:upperShare', 'wasserstein:nonAsciiShare'] as const) assert.equal(small[t].floor, 0);
    for (const t of ['wasserstein:length', 'wasserstein:topScore', 'wasserstein:digitShare', 'jensen-shannon:predicted-label', 'jensen-shannon:token-buckets'] as const) {
      assert.ok(small[t].floor > large[t].floor && large[t].floor > 0, `${t}: ${small[t].floor} vs ${large[t].floor}`);
    }
    assert.equal(noiseFloors(profile, profile.rows, 2001, DRIFT_DEFAULTS), large, 'nearby sizes share one bootstrap');
    assert.equal(sizeClass(1000), 939);
    assert.ok(sizeClass(2001) === sizeClass(2000));
  });
});
