import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitIsotonic, predictIsotonic } from '../../../src/monitoring/accuracy/isotonic-regression.js';
import { AccuracyCalibrator, estimateAccuracy, estimationError } from '../../../src/monitoring/accuracy/accuracy-estimator.js';
import { createRandom } from '../../../src/core/random.js';
import { InputError } from '../../../src/core/errors.js';

test('isotonic regression pools adjacent violators and interpolates like scikit-learn', () => {
  const fit = fitIsotonic([1, 2, 3, 4, 5], [1, 3, 2, 4, 3.5]);
  assert.deepEqual([...fit.x], [1, 2, 3, 4, 5]);
  assert.deepEqual([...fit.y], [1, 2.5, 2.5, 3.75, 3.75]);
  assert.equal(predictIsotonic(fit, 1.5), 1.75);
  assert.equal(predictIsotonic(fit, 2.7), 2.5);
  assert.equal(predictIsotonic(fit, -3), 1);
  assert.equal(predictIsotonic(fit, 9), 3.75);
  // Ties in x are one point (their mean) before pooling; unsorted input is fine.
  const tied = fitIsotonic([2, 1, 1], [0, 0, 1]);
  assert.deepEqual([...tied.x], [1, 2]);
  assert.deepEqual([...tied.y].map((v) => +v.toFixed(12)), [0.333333333333, 0.333333333333]);
});

test('isotonic fit is monotone and keeps the mean on noisy data', () => {
  const rnd = createRandom(3);
  const n = 2_000;
  const x = new Float64Array(n), y = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) { x[i] = rnd.next(); y[i] = rnd.next() < x[i]! ? 1 : 0; mean += y[i]!; }
  const fit = fitIsotonic(x, y);
  for (let i = 1; i < fit.x.length; i++) {
    assert.ok(fit.x[i]! > fit.x[i - 1]!);
    assert.ok(fit.y[i]! >= fit.y[i - 1]!);
  }
  let fittedMean = 0;
  for (let i = 0; i < n; i++) fittedMean += predictIsotonic(fit, x[i]!);
  assert.ok(Math.abs(fittedMean / n - mean / n) < 1e-9, 'PAV keeps the mean of the data it was fitted on');
});

/** A model whose top score is over-confident: P(correct | s) = s², so raw scores overstate accuracy. */
function overconfident(n: number, seed: number, skew: number): { scores: Float64Array; correct: Uint8Array; accuracy: number } {
  const rnd = createRandom(seed);
  const scores = new Float64Array(n), correct = new Uint8Array(n);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const s = 0.2 + 0.8 * Math.pow(rnd.next(), skew);
    scores[i] = s;
    correct[i] = rnd.next() < s * s ? 1 : 0;
    hits += correct[i]!;
  }
  return { scores, correct, accuracy: hits / n };
}

test('CBPE: the estimate is close to the true accuracy under covariate shift; raw scores are not', () => {
  const ref = overconfident(5_000, 1, 0.5);
  const cal = AccuracyCalibrator.fit({ scores: ref.scores, correct: ref.correct });
  // Production shifted toward low-confidence inputs (skew 1.5): accuracy falls; P(correct | s) is unchanged.
  const prod = overconfident(5_000, 2, 1.5);
  const est = estimateAccuracy(cal, prod.scores);
  assert.ok(est.estimated !== null);
  assert.ok(Math.abs(est.estimated - prod.accuracy) < 0.02, `estimated ${est.estimated} vs true ${prod.accuracy}`);
  const rawMean = prod.scores.reduce((a, b) => a + b, 0) / prod.scores.length;
  assert.ok(rawMean - prod.accuracy > 0.1, 'the uncalibrated mean score is far off, so calibration is doing the work');
  assert.ok(est.alert && est.estimated < est.lower, 'a 5,000-row window this much worse is outside the band');
  // A window from the reference's own distribution stays inside the band.
  const same = overconfident(5_000, 9, 0.5);
  const ok = estimateAccuracy(cal, same.scores);
  assert.equal(ok.alert, false, JSON.stringify(ok));
  assert.ok(Math.abs(ok.estimated! - same.accuracy) < 0.02);
  // Band: the mean of reference chunk accuracies, ± 3 std, narrower for larger windows.
  const r = cal.reference;
  assert.equal(r.chunkSize, 500);
  assert.equal(r.chunkAccuracies.length, 10);
  assert.ok(Math.abs(r.mean - ref.accuracy) < 1e-12);
  assert.ok(cal.band(5_000).upper - cal.band(5_000).lower < cal.band(500).upper - cal.band(500).lower);
  const err = estimationError(est, { accuracy: prod.accuracy, interval: { lower: prod.accuracy - 0.02, upper: prod.accuracy + 0.02 } });
  assert.ok(err && err.absoluteError < 0.02 && err.withinRealInterval === true);
  assert.equal(estimationError({ estimated: null }, 0.9), null);
  assert.equal(estimateAccuracy(cal, []).estimated, null);
});

test('the calibrator survives JSON and rejects bad input with a clear error', () => {
  const ref = overconfident(1_000, 4, 1);
  const cal = AccuracyCalibrator.fit({ scores: Array.from(ref.scores), correct: Array.from(ref.correct) }, { chunkSize: 100 });
  const back = AccuracyCalibrator.fromJSON(JSON.parse(JSON.stringify(cal)));
  for (const s of [0, 0.25, 0.5, 0.77, 1]) assert.equal(back.calibrate(s), cal.calibrate(s));
  assert.deepEqual(back.band(300), cal.band(300));
  assert.throws(() => AccuracyCalibrator.fromJSON({ kind: 'other' }), (e: unknown) => e instanceof InputError && e.code === 'calibrator-invalid');
  assert.throws(() => AccuracyCalibrator.fit({ scores: [0.5, 1.5], correct: [1, 0] }), (e: unknown) => e instanceof InputError && /row 1/.test(e.message));
  assert.throws(() => AccuracyCalibrator.fit({ scores: [0.5], correct: [1, 0] }), InputError);
  assert.throws(() => AccuracyCalibrator.fit({ scores: [], correct: [] }), InputError);
});
