import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/core/errors.js';
import { evaluate } from '../../src/training/evaluate.js';

/** Probability rows where row i gives rows[i][1] to class rows[i][0] and spreads the rest evenly. */
function probaRows(classes: number, rows: ReadonlyArray<readonly [number, number]>): Float32Array {
  const out = new Float32Array(rows.length * classes);
  rows.forEach(([pred, conf], i) => {
    for (let c = 0; c < classes; c++) out[i * classes + c] = c === pred ? conf : (1 - conf) / (classes - 1);
  });
  return out;
}

const close = (actual: number | null | undefined, expected: number, eps = 1e-6) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < eps, `${actual} is not ~${expected}`);

test('accuracy, macro-F1 and weighted F1 match the scikit-learn worked example', () => {
  // sklearn f1_score docs: y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1] -> macro 0.2667, weighted 0.2667.
  const pred = [0, 2, 1, 0, 0, 1];
  const report = evaluate({ labels: ['a', 'b', 'c'], yTrue: Int32Array.from([0, 1, 2, 0, 1, 2]), proba: probaRows(3, pred.map((p) => [p, 0.8] as const)) });
  close(report.accuracy, 2 / 6);
  close(report.macroF1, 0.8 / 3);
  close(report.weightedF1, 0.8 / 3);
  const a = report.perClass.find((c) => c.label === 'a');
  assert.deepEqual(a && { p: a.precision, r: a.recall, s: a.support }, { p: 2 / 3, r: 1, s: 2 });
  close(a?.f1, 0.8);
  assert.deepEqual(report.topConfusions.map((c) => [c.trueLabel, c.predictedLabel, c.count]),
    [['b', 'a', 1], ['b', 'c', 1], ['c', 'b', 2]].sort((x, y) => Number(y[2]) - Number(x[2])));
  assert.deepEqual(report.levels, []);
  assert.deepEqual(report.hierarchy, []);
  // JSON-serialisable without losing anything (no NaN, no typed arrays).
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});

test('labels the model never saw are counted wrong and take part in macro-F1 as their own class', () => {
  const report = evaluate({
    labels: ['a', 'b'],
    yTrue: Int32Array.from([0, -1, -1]),
    proba: probaRows(2, [[0, 0.9], [1, 0.9], [0, 0.6]]),
    trueLabels: ['a', 'zz', 'zz'],
  });
  close(report.accuracy, 1 / 3);
  assert.equal(report.unknownLabelRows, 2);
  assert.equal(report.unknownLabels, 1);
  const byLabel = new Map(report.perClass.map((c) => [c.label, c]));
  assert.deepEqual([...byLabel.keys()].sort(), ['a', 'b', 'zz']);
  assert.equal(byLabel.get('zz')?.support, 2);
  assert.equal(byLabel.get('zz')?.recall, 0);
  assert.equal(byLabel.get('b')?.precision, 0);
  // a: precision 1/2, recall 1 -> f1 2/3; b and zz: 0. sklearn (label union): (2/3) / 3.
  close(report.macroF1, 2 / 9);
  assert.equal(report.logLossRows, 1);
  close(report.logLoss, -Math.log(0.9));
  assert.deepEqual(report.topK.map((t) => t.accuracy), [1 / 3, 1 / 3]);
  // Without the raw strings the unknown rows are still errors, under one placeholder class.
  const anon = evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([0, -1, -1]), proba: probaRows(2, [[0, 0.9], [1, 0.9], [0, 0.6]]) });
  close(anon.accuracy, 1 / 3);
  assert.equal(anon.unknownLabels, 1);
  assert.ok(anon.perClass.some((c) => c.label === '(unknown)' && c.support === 2));
});

test('expected calibration error on a constructed case', () => {
  // Two rows at confidence 0.9 (one right): gap 0.4. Two rows at 0.5 (both right): gap 0.5. ECE = 0.45.
  const report = evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([0, 1, 0, 0]), proba: probaRows(2, [[0, 0.9], [0, 0.9], [0, 0.5], [0, 0.5]]) });
  close(report.calibration.ece, 0.45);
  close(report.calibration.maxCalibrationError, 0.5);
  assert.equal(report.calibration.bins.length, 15);
  const used = report.calibration.bins.filter((b) => b.count > 0);
  assert.deepEqual(used.map((b) => [b.lower * 15, b.count, b.accuracy]), [[7, 2, 1], [13, 2, 0.5]]);
  assert.equal(report.calibration.bins[0]?.accuracy, null);
});

test('coverage picks the largest confident prefix meeting each target precision', () => {
  // Sorted by confidence: 20 right, 1 wrong, 29 right, 50 wrong.
  const correct = [...Array(20).fill(1), 0, ...Array(29).fill(1), ...Array(50).fill(0)] as number[];
  const rows = correct.map((_, i) => [0, 0.99 - i * 0.004] as const);
  const yTrue = Int32Array.from(correct.map((c) => (c ? 0 : 1)));
  // Shuffle the row order: the result must not depend on it.
  const perm = rows.map((_, i) => (i * 37) % rows.length);
  const report = evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from(perm.map((i) => yTrue[i]!)), proba: probaRows(2, perm.map((i) => rows[i]!)) });
  const [p95, p98, p99] = report.coverage;
  // 0.95: 49/51 = 0.961 (52 rows would be 0.942). 0.98: exactly 49/50. 0.99: only the first 20.
  assert.deepEqual([p95?.rows, p98?.rows, p99?.rows], [51, 50, 20]);
  close(p95?.coverage, 0.51);
  close(p95?.routedToPerson, 0.49);
  close(p98?.accuracy, 0.98);
  close(p99?.threshold, 0.99 - 19 * 0.004);
  close(p95?.threshold, 0.99 - 50 * 0.004);
});

test('coverage never splits rows of equal confidence, and reports nothing when no threshold qualifies', () => {
  const report = evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([0, 0, 1]), proba: probaRows(2, [[0, 0.9], [0, 0.8], [0, 0.8]]) });
  assert.equal(report.coverage[0]?.rows, 1);
  close(report.coverage[0]?.threshold, 0.9);
  const none = evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([1, 0]), proba: probaRows(2, [[0, 0.9], [0, 0.8]]) });
  assert.deepEqual(none.coverage.map((c) => [c.rows, c.coverage, c.threshold, c.accuracy, c.routedToPerson]), [
    [0, 0, null, null, 1], [0, 0, null, null, 1], [0, 0, null, null, 1]]);
});

test('hierarchical accuracy for 6-digit codes: chapter, heading, subheading', () => {
  const labels = ['392410', '392490', '940360', '870899'];
  const report = evaluate({
    labels,
    // true:   392410 392410 940360 870899 392300(unknown)
    // pred:   392410 392490 392490 870899 392410
    yTrue: Int32Array.from([0, 0, 2, 3, -1]),
    proba: probaRows(4, [[0, 0.7], [1, 0.7], [1, 0.7], [3, 0.7], [0, 0.7]]),
    trueLabels: ['392410', '392410', '940360', '870899', '392300'],
  });
  assert.deepEqual(report.levels, [2, 4, 6]);
  assert.deepEqual(report.hierarchy.map((h) => [h.level, h.accuracy]), [[2, 0.8], [4, 0.6], [6, 0.4]]);
  close(report.accuracy, 0.4);
  const chapterOnly = evaluate({ labels, yTrue: Int32Array.from([0, 0]), proba: probaRows(4, [[0, 0.7], [1, 0.7]]), levels: [2] });
  assert.deepEqual(chapterOnly.hierarchy, [{ level: 2, accuracy: 1, marginalAccuracy: 1 }]);
  // Mixed lengths or non-digits: no automatic levels.
  const mixed = evaluate({ labels: ['3924', '392410'], yTrue: Int32Array.from([0]), proba: probaRows(2, [[0, 0.7]]) });
  assert.deepEqual(mixed.levels, []);
});

test('top-k accuracy and log-loss', () => {
  const proba = Float32Array.from([
    0.1, 0.2, 0.3, 0.4, 0, 0, // true class 2 ranks 2nd
    0.05, 0.1, 0.15, 0.2, 0.22, 0.28, // true class 0 ranks 6th
    0.25, 0.25, 0.25, 0.25, 0, 0, // tie: true class 1 ranks 2nd behind class 0 (lower id first)
  ]);
  const report = evaluate({ labels: ['a', 'b', 'c', 'd', 'e', 'f'], yTrue: Int32Array.from([2, 0, 1]), proba });
  assert.equal(report.accuracy, 0);
  assert.deepEqual(report.topK, [{ k: 3, accuracy: 2 / 3 }, { k: 5, accuracy: 2 / 3 }]);
  close(report.logLoss, -(Math.log(0.3) + Math.log(0.05) + Math.log(0.25)) / 3, 1e-5);
  assert.deepEqual(report.perClass.find((c) => c.label === 'a')?.predicted, 1);
});

test('malformed input is rejected with an InputError naming the problem', () => {
  assert.throws(() => evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([0, 1]), proba: new Float32Array(3) }),
    (e: unknown) => e instanceof InputError && e.code === 'eval-shape-mismatch');
  assert.throws(() => evaluate({ labels: ['a', 'b'], yTrue: Int32Array.from([2]), proba: new Float32Array(2) }),
    (e: unknown) => e instanceof InputError && e.code === 'eval-bad-class-id' && e.facts['row'] === 0);
  assert.throws(() => evaluate({ labels: ['a'], yTrue: new Int32Array(0), proba: new Float32Array(0) }),
    (e: unknown) => e instanceof InputError && e.code === 'eval-no-rows');
});

test('hierarchical accuracy by summed probability: a heading read off a subheading model by its whole mass, not by its best subheading', () => {
  const labels = ['010121', '010129', '020110', '020120'];
  // Row 0: the best subheading (020110, 0.40) is under heading 0201, but heading 0101 holds 0.60.
  // Row 1: both agree on 0201. Row 2: a true code the model never saw, under a heading it knows.
  const proba = Float32Array.from([0.30, 0.30, 0.40, 0.00, 0.05, 0.05, 0.50, 0.40, 0.35, 0.30, 0.20, 0.15]);
  const report = evaluate({ labels, yTrue: Int32Array.from([0, 3, -1]), proba, trueLabels: ['010121', '020120', '010190'] });
  assert.deepEqual(report.levels, [2, 4, 6]);
  const at = (level: number) => report.hierarchy.find((h) => h.level === level)!;
  assert.equal(at(4).accuracy, 2 / 3, 'prefix of the best code: row 0 wrong, rows 1 and 2 right');
  assert.equal(at(4).marginalAccuracy, 1, 'by summed probability every heading is right');
  assert.equal(at(2).marginalAccuracy, 1);
  assert.equal(at(6).marginalAccuracy, undefined, 'at the codes\' own length the two are one');
  assert.equal(at(6).accuracy, 0);
});
