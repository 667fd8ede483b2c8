import assert from 'node:assert/strict';
import { test } from 'node:test';
import { priorCorrectedBias } from '../../../src/models/deep/prior-correction.js';

test('prior correction lowers a frequent class bias and raises a rare one by τ·log(prior), add-one smoothed', () => {
  const bias = Float32Array.of(0.5, 0.5, 0.5);
  const y = Int32Array.of(0, 0, 0, 0, 0, 0, 1); // class 2 never seen
  const out = priorCorrectedBias(bias, y, 0.5);
  const total = y.length + 3;
  assert.ok(Math.abs(out[0]! - (0.5 - 0.5 * Math.log(7 / total))) < 1e-6);
  assert.ok(Math.abs(out[1]! - (0.5 - 0.5 * Math.log(2 / total))) < 1e-6);
  assert.ok(Math.abs(out[2]! - (0.5 - 0.5 * Math.log(1 / total))) < 1e-6);
  assert.ok(out[2]! > out[1]! && out[1]! > out[0]!);
  assert.equal(priorCorrectedBias(bias, y, 0), bias, 'τ = 0 serves the bias as trained');
});
