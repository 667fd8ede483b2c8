import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tupleOrder } from '../../../src/monitoring/store/sqlite/tuple-order.js';

/** The order a plain comparator sort gives (ties by position: stable). */
function reference(flat: readonly number[], width: number): number[] {
  const n = flat.length / width;
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    for (let k = 0; k < width; k++) if (flat[a * width + k] !== flat[b * width + k]) return flat[a * width + k]! - flat[b * width + k]!;
    return a - b;
  });
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 0x100000000; };
}

test('tuples sort by their fields in order, ties kept in place, over the whole range of 52-bit keys, times and seqs', () => {
  const rand = lcg(7);
  for (const width of [1, 2, 3]) {
    const flat: number[] = [];
    for (let i = 0; i < 5000; i++) {
      // Few distinct first fields, so the later fields decide; keys up to 2^52 + 2^20, times of 2023.
      flat.push(Math.floor(rand() * 40) * 2 ** 40 + (i % 3 === 0 ? 2 ** 52 : 0));
      if (width > 1) flat.push(1_700_000_000_000 + Math.floor(rand() * 50));
      if (width > 2) flat.push(Math.floor(rand() * 1e9));
    }
    assert.deepEqual([...tupleOrder(flat, width)], reference(flat, width), `width ${width}`);
  }
  assert.deepEqual([...tupleOrder([], 2)], []);
  assert.deepEqual([...tupleOrder([2 ** 53 - 1, 0, 5, 0, 0, 1], 2)], [2, 1, 0]);
});

test('a negative or fractional field (a time a test wrote) sorts by the comparator instead, to the same order', () => {
  const flat = [5, -3, 1, 5, -7, 2, 1, 0.5, 3, 5, -3, 0];
  assert.deepEqual([...tupleOrder(flat, 3)], reference(flat, 3));
});
