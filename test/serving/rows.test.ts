import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, rankRows, topAndRanked } from '../../src/serving/rows.js';

/** The plain one-maximum loop argmaxRows must agree with. */
function reference(proba: Float32Array, classes: number): { ids: number[]; scores: number[] } {
  const ids: number[] = [];
  const scores: number[] = [];
  for (let o = 0; o < proba.length; o += classes) {
    let best = 0;
    let p = proba[o]!;
    for (let c = 1; c < classes; c++) if (proba[o + c]! > p) { p = proba[o + c]!; best = c; }
    ids.push(best);
    scores.push(p);
  }
  return { ids, scores };
}

test('argmaxRows gives the first index of each row\'s maximum, as the one-maximum loop does (ties, NaN, any width)', () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const classes of [1, 2, 3, 4, 5, 7, 8, 9, 815]) {
    for (const kind of ['random', 'ties', 'nan', 'flat']) {
      const rows = 13;
      const proba = new Float32Array(rows * classes);
      for (let i = 0; i < proba.length; i++) {
        proba[i] = kind === 'ties' ? Math.floor(rand() * 3) / 2 : kind === 'flat' ? 0.25 : rand();
        if (kind === 'nan' && rand() < 0.2) proba[i] = NaN;
      }
      const got = argmaxRows(proba, classes);
      const want = reference(proba, classes);
      assert.deepEqual([...got.ids], want.ids, `${classes} classes, ${kind}`);
      assert.deepEqual([...got.scores], want.scores.map((s) => Math.fround(s)), `${classes} classes, ${kind}`);
    }
  }
  assert.equal(argmaxRows(new Float32Array(0), 0).ids.length, 0);
});

test('topAndRanked: the top-1 taken from the k best is argmaxRows\' top-1 (ties, -Infinity, any width), the first of the k best when a row holds NaN, and the k best are rankRows\'', () => {
  let seed = 11;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (const classes of [1, 2, 3, 4, 5, 7, 8, 9, 815]) {
    for (const kind of ['random', 'ties', 'nan', 'nan-first', 'flat', 'minus-infinity']) {
      const rows = 17;
      const proba = new Float32Array(rows * classes);
      for (let i = 0; i < proba.length; i++) {
        proba[i] = kind === 'ties' ? Math.floor(rand() * 3) / 2 : kind === 'flat' ? 0.25 : rand();
        if (kind === 'nan' && rand() < 0.2) proba[i] = NaN;
        if (kind === 'nan-first' && i % classes === 0) proba[i] = NaN;
        if (kind === 'minus-infinity' && rand() < 0.5) proba[i] = -Infinity;
      }
      for (const k of [0, 1, 2, 5, 10]) {
        const got = topAndRanked(proba, classes, k);
        const want = argmaxRows(proba, classes);
        const ranked = k > 1 && classes > 1 ? rankRows(proba, classes, k) : undefined;
        for (let r = 0; r < rows; r++) {
          const hasNaN = proba.subarray(r * classes, (r + 1) * classes).some((p) => Number.isNaN(p));
          const [id, score] = hasNaN && ranked ? [ranked.ids[r * ranked.k]!, ranked.scores[r * ranked.k]!] : [want.ids[r]!, want.scores[r]!];
          assert.equal(got.ids[r], id, `${classes} classes, ${kind}, k=${k}, row ${r}: id`);
          assert.ok(Object.is(got.scores[r], score), `${classes} classes, ${kind}, k=${k}, row ${r}: score`);
        }
        assert.deepEqual(got.ranked, ranked);
      }
    }
  }
});
