import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccuracyCalibrator } from '../../../src/monitoring/accuracy/accuracy-estimator.js';
import { estimateVersusReal } from '../../../src/monitoring/accuracy/estimate-versus-real.js';
import type { JoinedFeedback } from '../../../src/monitoring/accuracy/real-accuracy.js';
import { wilsonInterval } from '../../../src/monitoring/accuracy/wilson-interval.js';

// Scores at 0.25 are right 1 time in 4, at 0.75 3 times in 4: the calibrator maps each score to that.
const calibrator = AccuracyCalibrator.fit({ scores: [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75], correct: [1, 0, 0, 0, 1, 1, 1, 0] });

function labelled(score: number, predicted: string, truth: string, seq: number): JoinedFeedback {
  return {
    endpoint: 'hs', time: 1, receivedAt: 1, label: truth, source: 'test', requestId: null, position: null, text: null, textSha256: '',
    prediction: { seq, variant: 'main', model: 'm', version: '1', modelSha256: 'a', label: predicted, score, at: 1 }, newClass: false,
  };
}

test('estimateVersusReal: the estimate of the labelled predictions, their real accuracy with its interval, and the difference', () => {
  // Estimated (0.75 + 0.75 + 0.25 + 0.25) / 4 = 0.5; the labels say 3 of 4 were right.
  const rows = [labelled(0.75, 'a', 'a', 1), labelled(0.75, 'b', 'b', 2), labelled(0.25, 'c', 'c', 3), labelled(0.25, 'd', 'x', 4)];
  const r = estimateVersusReal(calibrator, rows)!;
  assert.equal(r.labelled, 4);
  assert.equal(r.estimated, 0.5);
  assert.equal(r.real, 0.75);
  assert.equal(r.error, -0.25, 'negative: the estimate was pessimistic');
  assert.deepEqual(r.interval, wilsonInterval(3, 4));
  assert.equal(r.withinRealInterval, true, 'with 4 labels, 0.5 is within the noise of 3/4');
  const many = Array.from({ length: 400 }, (_, i) => labelled(0.25, 'a', i % 10 < 9 ? 'a' : 'b', i));
  const far = estimateVersusReal(calibrator, many)!;
  assert.ok(Math.abs(far.error - (0.25 - 0.9)) < 1e-12);
  assert.equal(far.withinRealInterval, false, '0.25 against 360 of 400 right is a wrong estimate');
  assert.equal(estimateVersusReal(calibrator, []), null);
});
