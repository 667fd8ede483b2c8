import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlertEvaluator, type MetricObservation } from '../../../src/monitoring/alerts/alert-evaluator.js';
import { alertRule, durationWindow, rowsWindow, DEFAULT_ALERT_RULES } from '../../../src/monitoring/alerts/alert-rule.js';
import { driftScore, estimatedAccuracyDrop, realAccuracyDrop } from '../../../src/monitoring/alerts/alert-metrics.js';
import { InputError } from '../../../src/core/errors.js';

const latency = alertRule({ name: 'slow', metric: 'latency_p99_ms', window: durationWindow('5m'), comparison: '>', threshold: 50, forMs: 60_000, description: '' });
const obs = (value: number, at: number, variant: string | null = 'blue', endpoint = 'hs'): MetricObservation => ({ metric: 'latency_p99_ms', endpoint, variant, value, at });

test('a value oscillating around the threshold fires once and resolves once (hysteresis and forMs)', () => {
  assert.equal(latency.resolveThreshold, 45); // default: 10% margin
  const ev = new AlertEvaluator([latency]);
  // t in seconds; values wobble across 50 for a while, stay high, then wobble across 50 again.
  const script: Array<[number, number]> = [
    [0, 40], [10, 51], [20, 49], [30, 52], // breaches that do not hold 60 s: pending resets, nothing fires
    [40, 55], [70, 49.9], [80, 53], [100, 56], [140, 57], // from 80 it holds: fires at 140 (60 s later)
    [150, 49], [160, 51], [170, 48], [180, 52], [190, 46], // below 50 but not back to 45: still firing, no event
    [200, 44.9], // back past the resolve threshold: resolves
    [210, 47], [220, 49], [230, 44], // below the threshold: nothing
  ];
  const events = script.flatMap(([s, v]) => ev.observe(obs(v, s * 1000)));
  assert.deepEqual(events.map((e) => [e.state, e.at / 1000, e.value]), [['fired', 140, 57], ['resolved', 200, 44.9]]);
  const [fired, resolved] = events;
  assert.equal(fired!.id, resolved!.id);
  assert.equal(fired!.id, 'slow|hs|blue|140000');
  assert.equal(fired!.threshold, 50);
  assert.match(fired!.message, /latency_p99_ms 57 > 50 over 5m for 60 s on endpoint hs variant blue/);
  assert.match(resolved!.message, /back past 45/);
  assert.deepEqual(ev.active(), []);
});

test('state is per endpoint and variant; scope, minSamples, windows and stale observations are respected', () => {
  const scoped = alertRule({ name: 'green-errors', metric: 'error_rate', window: durationWindow('5m'), comparison: '>', threshold: 0.01, forMs: 0, endpoint: 'hs', variant: 'green', description: '' });
  const real = DEFAULT_ALERT_RULES.find((r) => r.name === 'real-accuracy-drop')!;
  const ev = new AlertEvaluator([latency, scoped, real]);
  const fired = ev.observe([
    obs(80, 0, 'blue'), obs(80, 0, 'green'), obs(80, 0, null, 'other'),
    obs(80, 60_000, 'blue'), obs(80, 60_000, 'green'), obs(80, 60_000, null, 'other'),
    { metric: 'error_rate', endpoint: 'hs', variant: 'blue', value: 0.5, at: 0 }, // out of scope
    { metric: 'error_rate', endpoint: 'hs', variant: 'green', value: 0.5, at: 0, window: '1h' }, // another window's value
    { metric: 'error_rate', endpoint: 'hs', variant: 'green', value: 0.02, at: 1 },
    { metric: 'real_accuracy_drop', endpoint: 'hs', variant: 'blue', value: 0.2, at: 1, samples: 99 }, // too few labels
    { metric: 'real_accuracy_drop', endpoint: 'hs', variant: 'blue', ...realAccuracyDrop(0.9, { accuracy: 0.8, labelled: 100 }), at: 2 },
    { metric: 'latency_p99_ms', endpoint: 'hs', variant: 'blue', value: Number.NaN, at: 70_000 }, // no data is not recovery
  ]);
  assert.deepEqual(fired.map((e) => `${e.rule}/${e.endpoint}/${e.variant}`).sort(), [
    'green-errors/hs/green', 'real-accuracy-drop/hs/blue', 'slow/hs/blue', 'slow/hs/green', 'slow/other/null',
  ]);
  // An observation older than the last one of its track does not rewind it.
  assert.deepEqual(ev.observe(obs(10, 30_000, 'blue')), []);
  assert.equal(ev.active().length, 5);
  assert.throws(() => new AlertEvaluator([latency, latency]), InputError);
});

test('a restarted evaluator resumes from exported state: no second "fired", and the resolve keeps the id', () => {
  const first = new AlertEvaluator(DEFAULT_ALERT_RULES);
  const fired = first.observe([
    { metric: 'log_drops', endpoint: 'hs', variant: null, value: 12, at: 1_000 },
    { metric: 'error_rate', endpoint: 'hs', variant: null, value: 0.05, at: 1_000 }, // pending: forMs 1 min
  ]);
  assert.deepEqual(fired.map((e) => e.rule), ['log-drops']);
  const saved = JSON.parse(JSON.stringify(first.exportState()));

  const second = new AlertEvaluator(DEFAULT_ALERT_RULES);
  assert.deepEqual(second.importState(saved), { restored: 2, orphaned: [] });
  assert.deepEqual(second.active().map((a) => a.id), [fired[0]!.id]);
  assert.deepEqual(second.observe({ metric: 'log_drops', endpoint: 'hs', value: 3, at: 2_000 }), []);
  // The pending error-rate condition kept its start: 61 s after it began it fires.
  assert.deepEqual(second.observe({ metric: 'error_rate', endpoint: 'hs', value: 0.05, at: 61_000 }).map((e) => e.rule), ['error-rate']);
  const resolved = second.observe({ metric: 'log_drops', endpoint: 'hs', value: 0, at: 300_000 });
  assert.deepEqual(resolved.map((e) => [e.state, e.id]), [['resolved', fired[0]!.id]]);

  // Rules removed since: their firing alerts come back as orphans for the caller to close.
  const third = new AlertEvaluator(DEFAULT_ALERT_RULES.filter((r) => r.name !== 'log-drops'));
  const r = third.importState(saved);
  assert.deepEqual(r.orphaned.map((a) => a.id), [fired[0]!.id]);
  assert.throws(() => third.importState({ formatVersion: 1, tracks: [{ rule: 'x' }] }), (e: unknown) => e instanceof InputError && /tracks\[0\]/.test(e.message));
});

test('a scripted drift fires once and resolves once through the normalised drift score', () => {
  const ev = new AlertEvaluator(DEFAULT_ALERT_RULES);
  // Per window: the Jensen-Shannon distance of the label mix and the domain-classifier AUC.
  const windows: Array<[number, number]> = [[0.03, 0.51], [0.05, 0.53], [0.12, 0.58], [0.2, 0.7], [0.09, 0.56], [0.095, 0.546], [0.04, 0.52], [0.11, 0.53]];
  const events = windows.flatMap(([js, auc], i) => ev.observe({
    metric: 'drift_score', endpoint: 'hs', variant: 'blue', at: i * 60_000, window: rowsWindow(5_000).text,
    value: driftScore([{ kind: 'jensen-shannon', value: js, threshold: 0.1 }, { kind: 'domain-classifier', value: auc, threshold: 0.55 }]),
  }));
  // Fires at window 2; window 4 (AUC 0.56) still drifts, window 5 is inside the 10% margin, window 6 resolves; window 7 fires anew.
  assert.deepEqual(events.map((e) => [e.state, e.at / 60_000]), [['fired', 2], ['resolved', 6], ['fired', 7]]);
  assert.equal(driftScore([]), 0);
  assert.equal(estimatedAccuracyDrop({ estimated: 0.84, mean: 0.9, lower: 0.86 }).toFixed(6), '1.500000');
  assert.ok(Number.isNaN(estimatedAccuracyDrop({ estimated: null, mean: 0.9, lower: 0.86 })));
});
