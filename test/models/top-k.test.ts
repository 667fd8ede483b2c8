import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from '../../src/models/top-k.js';
import { rankRows } from '../../src/serving/rows.js';

/** The k best of one row by a full sort: score descending, then class id ascending. */
function reference(row: Float32Array, k: number): { ids: number[]; scores: number[] } {
  const order = Array.from(row, (_, c) => c).sort((a, b) => (row[b]! - row[a]!) || a - b);
  const ids = order.slice(0, Math.min(k, row.length));
  return { ids, scores: ids.map((c) => row[c]!) };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

test('topK and rankRows give a full sort\'s k best, ties to the lower class id, whatever k, width and values', () => {
  const rand = lcg(7);
  for (const classes of [1, 2, 3, 5, 7, 64, 815]) {
    for (const k of [1, 2, 5, 10]) {
      for (const kind of ['spread', 'ties', 'negative']) {
        const rows = 4;
        const proba = new Float32Array(rows * classes);
        for (let i = 0; i < proba.length; i++) {
          // Few distinct values make ties; -Infinity and negative logits check the first k fill.
          proba[i] = kind === 'spread' ? rand() : kind === 'ties' ? Math.floor(rand() * 4) / 4 : (rand() < 0.3 ? -Infinity : -rand() * 10);
        }
        const ranked = rankRows(proba, classes, k);
        const kk = Math.min(k, classes);
        assert.equal(ranked.k, kk);
        for (let r = 0; r < rows; r++) {
          const want = reference(proba.subarray(r * classes, (r + 1) * classes), k);
          const ids = new Int32Array(kk + 2).fill(-1);
          const scores = new Float32Array(kk + 2);
          // Written at an offset, leaving the cells around it alone.
          const n = topK(proba, r * classes, classes, k, ids, scores, 1);
          assert.equal(n, kk, `${kind} ${classes}x${k}`);
          assert.deepEqual([...ids.subarray(1, 1 + n)], want.ids, `${kind} ${classes} classes, k ${k}, row ${r}`);
          assert.deepEqual([...scores.subarray(1, 1 + n)], want.scores);
          assert.equal(ids[0], -1);
          assert.equal(ids[kk + 1], -1);
          assert.deepEqual([...ranked.ids.subarray(r * kk, (r + 1) * kk)], want.ids);
          assert.deepEqual([...ranked.scores.subarray(r * kk, (r + 1) * kk)], want.scores);
        }
      }
    }
  }
});
