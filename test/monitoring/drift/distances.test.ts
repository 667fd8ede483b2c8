import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jensenShannonDistance, poolRareCategories } from '../../../src/monitoring/drift/jensen-shannon.js';
import { rocAuc } from '../../../src/monitoring/drift/roc-auc.js';
import { normalisedWasserstein, wassersteinDistance } from '../../../src/monitoring/drift/wasserstein.js';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('wassersteinDistance', () => {
  it('is 0 for identical samples and the shift for a shifted one', () => {
    const a = [1, 2, 3, 4, 10];
    close(wassersteinDistance(a, a), 0);
    close(wassersteinDistance(a, a.map((x) => x + 2.5)), 2.5);
  });

  it('matches scipy.stats.wasserstein_distance on its documented examples', () => {
    close(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5);
    close(wassersteinDistance([0, 1], [0, 1]), 0);
    // Unequal sizes: uniform on {0, 1} against {0, 0, 1}: the CDFs differ by 1/6 over [0, 1].
    close(wassersteinDistance([0, 1], [0, 0, 1]), 1 / 6);
  });

  it('is the mean shift between two normal samples, normed by the reference std', () => {
    const n = 4000;
    const ref = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 0.5) / n) * 2).sort();
    const cur = ref.map((x) => x + 0.4);
    close(normalisedWasserstein(ref, cur, 2, 0.01), 0.2, 1e-9);
    // A degenerate reference divides by the floor, not by zero.
    close(normalisedWasserstein([0, 0], [0, 0.02], 0, 0.01), 1);
  });
});

describe('jensenShannonDistance', () => {
  it('is 0 for equal shares whatever the counts, sqrt(ln 2) for disjoint ones', () => {
    close(jensenShannonDistance([10, 20, 30], [1, 2, 3]), 0);
    close(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2));
  });

  it('matches scipy.spatial.distance.jensenshannon (natural log by default, base 2 on request)', () => {
    close(jensenShannonDistance([1, 0], [0.5, 0.5]), 0.46450140402245893, 1e-12);
    close(jensenShannonDistance([1, 0, 0], [0, 1, 0], 2), 1);
  });

  it('pools categories whose expected count in the smaller side is below the minimum', () => {
    const pooled = poolRareCategories([500, 480, 10, 5, 5], [50, 45, 2, 1, 2], 5);
    // Categories 2-4 expect < 5 rows in the 100-row side: pooled into "other".
    assert.deepEqual([...pooled.p], [500, 480, 20]);
    assert.deepEqual([...pooled.q], [50, 45, 5]);
    // A category new to the current side and frequent there stays visible.
    const fresh = poolRareCategories([500, 500, 0], [40, 40, 20], 5);
    assert.deepEqual([...fresh.q], [40, 40, 20, 0]);
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties', () => {
    const pos = Uint8Array.from([0, 0, 1, 1]);
    close(rocAuc(Float64Array.from([0.1, 0.2, 0.8, 0.9]), pos), 1);
    close(rocAuc(Float64Array.from([0.9, 0.8, 0.2, 0.1]), pos), 0);
    close(rocAuc(Float64Array.from([0.5, 0.5, 0.5, 0.5]), pos), 0.5);
    close(rocAuc(Float64Array.from([0.1, 0.6, 0.5, 0.9]), pos), 0.75);
  });
});

/** Acklam's rational approximation (|error| < 1.2e-9): good enough for a test's evenly spaced normal sample. */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) { const q = Math.sqrt(-2 * Math.log(p)); return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1); }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
