import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Top1Calibration } from '../../src/core/confidence-meta.js';
import { calibratedTop1, calibrateTop1 } from '../../src/models/top1-calibration.js';
import { fitTop1Calibration } from '../../src/training/fit-top1-calibration.js';
import { classFrequencyWeights, fitStoredThresholds, wilsonLower } from '../../src/training/stored-thresholds.js';

/** n rows at confidences descending from 1; `wrongAt` lists the (0-based) ranks that are wrong. */
function ranked(n: number, wrongAt: readonly number[]): { confidence: Float32Array; correct: Uint8Array } {
  const confidence = Float32Array.from({ length: n }, (_, i) => 1 - i / n);
  const correct = new Uint8Array(n).fill(1);
  for (const i of wrongAt) correct[i] = 0;
  return { confidence, correct };
}

test('a threshold is stored only where the lower bound of its precision reaches the target, not where the raw precision does', () => {
  // 1,000 rows; 18 errors spread from rank 300 on: the raw precision of every prefix stays >= 98%, its lower bound does not.
  const wrong = Array.from({ length: 18 }, (_, k) => 300 + 38 * k);
  const { confidence, correct } = ranked(1000, wrong);
  const plain = fitStoredThresholds(confidence, correct, { confidenceLevel: 0.5, targets: [0.98] }).points[0]!;
  const bounded = fitStoredThresholds(confidence, correct, { targets: [0.98] }).points[0]!;
  assert.equal(plain.lowerBound, plain.validPrecision, 'level 0.5 is the plain prefix rule');
  assert.ok(plain.validPrecision! >= 0.98 && plain.validCoverage > 0.9, `plain ${JSON.stringify(plain)}`);
  assert.ok(bounded.validCoverage < plain.validCoverage, 'the bound asks for more than the raw precision');
  assert.ok(bounded.lowerBound! >= 0.98 && bounded.validPrecision! > bounded.lowerBound!);
  // The stored figures are those of the rows at or above the threshold.
  const above = Array.from(confidence.keys()).filter((i) => confidence[i]! >= bounded.threshold!);
  assert.equal(bounded.validCoverage, above.length / 1000);
  assert.equal(bounded.validPrecision, above.filter((i) => correct[i] === 1).length / above.length);
  assert.equal(bounded.lowerBound, wilsonLower(bounded.validPrecision!, above.length, 1.2816));
});

test('no threshold when no prefix reaches the target; equal confidences are never split', () => {
  const few = fitStoredThresholds(Float32Array.from([0.9, 0.8, 0.7]), Uint8Array.from([1, 1, 1]), { targets: [0.99] });
  assert.deepEqual(few.points[0], { target: 0.99, threshold: null, validPrecision: null, validCoverage: 0, lowerBound: null }, '3 right rows prove little');
  const tied = fitStoredThresholds(new Float32Array(400).fill(0.9), Uint8Array.from({ length: 400 }, (_, i) => (i === 0 ? 0 : 1)), { targets: [0.95] });
  assert.equal(tied.points[0]!.validCoverage, 1);
  assert.equal(tied.points[0]!.threshold, Math.fround(0.9));
});

test('class-frequency weights measure precision on the training class mix', () => {
  // Validation holds class 0 and class 1 equally, training 9:1; class 1 (the rare one) is always wrong.
  const trainY = Int32Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
  const validY = Int32Array.from({ length: 200 }, (_, i) => (i % 2));
  const w = classFrequencyWeights(trainY, validY, 2);
  assert.ok(Math.abs(w[0]! - 1.8) < 1e-12 && Math.abs(w[1]! - 0.2) < 1e-12);
  const correct = Uint8Array.from(validY, (c) => (c === 0 ? 1 : 0));
  const confidence = new Float32Array(200).fill(0.5);
  const weighted = fitStoredThresholds(confidence, correct, { weights: w, targets: [0.85], confidenceLevel: 0.5 });
  const unweighted = fitStoredThresholds(confidence, correct, { targets: [0.85], confidenceLevel: 0.5 });
  assert.ok(Math.abs(weighted.points[0]!.validPrecision! - 0.9) < 1e-12);
  assert.equal(weighted.weighting, 'class-frequency');
  assert.ok(Math.abs(weighted.effectiveRows - 200 / 1.64) < 1e-9, `Kish: (sum w)^2 / sum w^2, got ${weighted.effectiveRows}`);
  assert.equal(unweighted.points[0]!.threshold, null, 'unweighted the same rows are 50% right');
});

test('the top-1 calibration moves only the top probability, keeps every row summing to 1 and every answer unchanged', () => {
  const cal: Top1Calibration = { method: 'top1-logistic', intercept: -1, logMargin: 0.5, logitTop1: 0.2, fittedOn: 'validation', rows: 1 };
  const rows = [[0.7, 0.2, 0.1], [0.1, 0.45, 0.45], [0.34, 0.33, 0.33], [1, 0, 0], [0.2, 0.5, 0.3]];
  const proba = Float32Array.from(rows.flat());
  calibrateTop1(cal, proba, 3);
  for (let r = 0; r < rows.length; r++) {
    const got = Array.from(proba.subarray(3 * r, 3 * r + 3));
    const before = rows[r]!;
    const top = before.indexOf(Math.max(...before));
    assert.equal(got.indexOf(Math.max(...got)), top, `row ${r} keeps its answer: ${got}`);
    assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${r} sums to 1`);
    if (r === 0) assert.ok(Math.abs(got[top]! - calibratedTop1(cal, before[top]!, Math.max(...before.filter((_, c) => c !== top)))) < 1e-6);
    const others = before.map((p, c) => [p, got[c]!]).filter((_, c) => c !== top);
    if (others[0]![0]! > 0) assert.ok(Math.abs(others[0]![1]! / others[0]![0]! - others[1]![1]! / others[1]![0]!) < 1e-5, 'others keep their proportions');
  }
  assert.deepEqual(Array.from(proba.subarray(9, 12)), [1, 0, 0], 'nothing to take from: unchanged');
  assert.ok(proba[6]! > proba[7]!, 'a near tie stays on the first class even when the calibration wants it low');
});

test('the fitted calibration follows the margin when the margin is what tells right from wrong', () => {
  // Rows with a wide margin are right, narrow margins are right half the time; p1 alone is the same for all.
  const n = 2000;
  const proba = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const wide = r % 2 === 0;
    proba.set(wide ? [0.6, 0.05, 0.35] : [0.6, 0.39, 0.01], 3 * r);
    y[r] = wide || r % 4 === 1 ? 0 : 1;
  }
  const cal = fitTop1Calibration(proba, y, 3)!;
  assert.ok(cal.logMargin > 0, JSON.stringify(cal));
  const wide = calibratedTop1(cal, 0.6, 0.35);
  const narrow = calibratedTop1(cal, 0.6, 0.39);
  assert.ok(wide > 0.95 && Math.abs(narrow - 0.5) < 0.05, `wide ${wide}, narrow ${narrow}`);
  assert.equal(fitTop1Calibration(new Float32Array(0), new Int32Array(0), 3), undefined);
});
