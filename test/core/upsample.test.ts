import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upsampleStratified } from '../../src/core/upsample.js';

function countsOf(indices: Int32Array, y: Int32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const i of indices) m.set(y[i]!, (m.get(y[i]!) ?? 0) + 1);
  return m;
}

describe('upsampleStratified', () => {
  // class 0: 100 rows, 1: 40, 2: 3, 3: 1, 4: 60 (median 40).
  const sizes = [100, 40, 3, 1, 60];
  const y = Int32Array.from(sizes.flatMap((n, c) => Array<number>(n).fill(c)));
  const indices = Int32Array.from(y.keys());

  it('raises classes below max(minPerClass, targetFraction x median) to the target, leaves others', () => {
    const out = upsampleStratified(indices, y, { seed: 1, minPerClass: 10, targetFraction: 0.5 });
    const counts = countsOf(out, y);
    assert.deepEqual([...counts.entries()].sort((a, b) => a[0] - b[0]), [[0, 100], [1, 40], [2, 20], [3, 20], [4, 60]]);
  });

  it('defaults: target 10 when the median is small', () => {
    const small = Int32Array.from([0, 0, 1, 2, 2, 2]);
    const counts = countsOf(upsampleStratified(Int32Array.from(small.keys()), small, { seed: 3 }), small);
    assert.deepEqual([counts.get(0), counts.get(1), counts.get(2)], [10, 10, 10]);
  });

  it('repeats whole copies first: every row of a class appears floor or ceil of target/count times', () => {
    const out = upsampleStratified(indices, y, { seed: 5, minPerClass: 20, targetFraction: 0 });
    const perRow = new Map<number, number>();
    for (const i of out) perRow.set(i, (perRow.get(i) ?? 0) + 1);
    // class 2 (rows 140..142): 20 / 3 -> each row 6 or 7 times
    for (const r of [140, 141, 142]) assert.ok([6, 7].includes(perRow.get(r)!), `row ${r}: ${perRow.get(r)}`);
    assert.equal(perRow.get(143), 20); // the single row of class 3
    assert.equal(perRow.get(0), 1); // the big class is untouched
  });

  it('only uses rows from the given indices and keeps all of them', () => {
    const subset = Int32Array.from([0, 1, 2, 100, 140, 143]);
    const out = upsampleStratified(subset, y, { seed: 2, minPerClass: 4, targetFraction: 0 });
    const allowed = new Set(subset);
    for (const i of out) assert.ok(allowed.has(i));
    for (const i of subset) assert.ok(out.includes(i));
    assert.equal(out.length, 4 * 4);
  });

  it('is deterministic for a seed, shuffled, and differs between seeds', () => {
    const a = upsampleStratified(indices, y, { seed: 9 });
    assert.deepEqual(a, upsampleStratified(indices, y, { seed: 9 }));
    assert.notDeepEqual(a, upsampleStratified(indices, y, { seed: 10 }));
    assert.notDeepEqual(Array.from(a.subarray(0, 20)), Array.from(indices.subarray(0, 20)));
  });
});
