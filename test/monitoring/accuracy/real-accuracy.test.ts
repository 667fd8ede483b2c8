import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilsonInterval } from '../../../src/monitoring/accuracy/wilson-interval.js';
import { classMetrics } from '../../../src/monitoring/accuracy/class-metrics.js';
import { realAccuracy } from '../../../src/monitoring/accuracy/real-accuracy.js';
import type { FeedbackRecord } from '../../../src/monitoring/store/monitoring-store.js';

const close = (a: number | null | undefined, b: number, eps = 5e-4): void => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= eps, `${a} is not within ${eps} of ${b}`);
};

test('Wilson interval: known values, and 2 out of 2 never reads as 100%', () => {
  const i = wilsonInterval(8, 10);
  close(i.lower, 0.490);
  close(i.upper, 0.943);
  const two = wilsonInterval(2, 2);
  close(two.lower, 0.342);
  assert.equal(two.upper, 1);
  const zero = wilsonInterval(0, 50);
  assert.equal(zero.lower, 0);
  close(zero.upper, 0.0713);
  assert.deepEqual(wilsonInterval(0, 0), { lower: 0, upper: 1 });
  assert.throws(() => wilsonInterval(3, 2), RangeError);
});

test('macro-F1 and per-class figures on a small known case', () => {
  const m = classMetrics(['a', 'a', 'b', 'b', 'c'], ['a', 'b', 'b', 'b', 'a']);
  assert.equal(m.accuracy, 0.6);
  close(m.macroF1, (0.5 + 0.8 + 0) / 3, 1e-12);
  const [a, b, c] = m.perClass;
  assert.deepEqual([a!.label, a!.recall, a!.precision, a!.f1], ['a', 0.5, 0.5, 0.5]);
  assert.equal(b!.recall, 1);
  close(b!.precision, 2 / 3, 1e-12);
  close(b!.f1, 0.8, 1e-12);
  // A class the model never predicted: recall 0, no precision, F1 0 (it still pulls macro-F1 down).
  assert.deepEqual([c!.label, c!.support, c!.recall, c!.precision, c!.f1], ['c', 1, 0, null, 0]);
  assert.equal(classMetrics([], []).accuracy, null);
});

let seq = 0;
function fb(label: string, predicted: string, opts: { variant?: string; version?: string; at?: number; receivedAt?: number; newClass?: boolean; seq?: number } = {}): FeedbackRecord {
  const at = opts.at ?? 1_000 + seq;
  const s = opts.seq ?? ++seq;
  const version = opts.version ?? '1';
  return {
    endpoint: 'hs', time: at + 10, receivedAt: opts.receivedAt ?? at + 20, label, source: 'broker', requestId: `r${s}`, position: 0, text: null, textSha256: 'x'.repeat(64),
    prediction: { seq: s, variant: opts.variant ?? 'blue', model: 'hs4', version, modelSha256: `sha-${version}`, label: predicted, score: 0.9, at },
    newClass: opts.newClass ?? false,
  };
}

test('real accuracy per variant and model version, with labelled share and interval', () => {
  const rows: FeedbackRecord[] = [
    ...Array.from({ length: 8 }, () => fb('a', 'a')),
    ...Array.from({ length: 2 }, () => fb('b', 'a')),
    fb('a', 'a', { variant: 'green', version: '2' }),
    fb('z', 'a', { variant: 'green', version: '2', newClass: true }),
    { ...fb('a', 'a'), prediction: null },
  ];
  const r = realAccuracy(rows, { predictions: { total: 100, byVariant: { blue: 40, green: 60 }, byModel: { 'sha-1': 40 } } });
  assert.equal(r.unmatched, 1);
  assert.equal(r.overall.labelled, 12);
  assert.equal(r.overall.correct, 9);
  close(r.overall.labelledShare, 0.12, 1e-12);
  assert.equal(r.byVariant.length, 2);
  const blue = r.byVariant[0]!, green = r.byVariant[1]!;
  assert.equal(blue.variant, 'blue');
  assert.equal(blue.accuracy, 0.8);
  close(blue.interval.lower, 0.490);
  close(blue.interval.upper, 0.943);
  close(blue.labelledShare, 10 / 40, 1e-12);
  assert.equal(green.accuracy, 0.5);
  assert.equal(green.newClassLabels, 1);
  assert.equal(r.byModel.length, 2);
  assert.deepEqual(r.byModel.map((m) => [m.variant, m.version, m.labelled, m.labelledShare]), [['blue', '1', 10, 0.25], ['green', '2', 2, null]]);
  // No prediction count given: no share rather than an invented one.
  assert.equal(realAccuracy(rows).overall.labelledShare, null);
});

test('windows are on prediction time; last N keeps the newest; a re-corrected prediction counts once with the latest label', () => {
  const rows = [
    fb('a', 'a', { at: 100 }), fb('a', 'b', { at: 200 }), fb('a', 'a', { at: 300 }), fb('b', 'b', { at: 400 }),
  ];
  const recheck = { ...fb('b', 'a', { at: 300, seq: rows[2]!.prediction!.seq, receivedAt: 10_000 }) };
  const all = realAccuracy([...rows, recheck]);
  assert.equal(all.superseded, 1);
  assert.equal(all.overall.labelled, 4);
  assert.equal(all.overall.correct, 2); // the item at 300 was re-labelled 'b' while the model said 'a'
  const ranged = realAccuracy(rows, { window: { since: 200, until: 400 } });
  assert.deepEqual([ranged.overall.labelled, ranged.overall.from, ranged.overall.to], [2, 200, 300]);
  const last = realAccuracy(rows, { window: { last: 2 }, predictions: 2 });
  assert.deepEqual([last.overall.from, last.overall.to, last.overall.accuracy, last.overall.labelledShare], [300, 400, 1, 1]);
  const empty = realAccuracy([], { predictions: 10 });
  assert.equal(empty.overall.accuracy, null);
  assert.deepEqual(empty.overall.interval, { lower: 0, upper: 1 });
  assert.equal(empty.overall.labelledShare, 0);
});
