import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decayedAdam, oversampled } from '../../../src/models/deep/rebalance.js';

test('oversampled repeats every class below minPerClass up to it, keeps the others, and is seeded', () => {
  const texts = ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'c1', 'c2'];
  const y = Int32Array.of(0, 0, 0, 0, 0, 1, 2, 2);
  const out = oversampled(texts, y, 4, 7);
  const count = (c: number): number => out.y.filter((v) => v === c).length;
  assert.deepEqual([count(0), count(1), count(2)], [5, 4, 4]);
  out.texts.forEach((t, i) => assert.equal(t[0], 'abc'[out.y[i]!]), 'a row keeps its label');
  assert.deepEqual(oversampled(texts, y, 4, 7), out, 'same seed, same rows');
  assert.equal(oversampled(texts, y, 0, 7).texts, texts, 'minPerClass 0 trains on the rows as given');
});

test('decayedAdam lowers both rates linearly to (1 − decay) at the last step', () => {
  const a = { lr: 0.002, embeddingLr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  assert.equal(decayedAdam(a, 1, 0, 100), a);
  const half = decayedAdam(a, 1, 50, 100);
  assert.ok(Math.abs(half.lr - 0.001) < 1e-12 && Math.abs(half.embeddingLr! - 0.01) < 1e-12);
  assert.equal(decayedAdam(a, 0.5, 100, 100).lr, 0.001);
  assert.equal(decayedAdam({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, 1, 25, 100).embeddingLr, undefined);
});
