import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAlertRulesFile, parseAlertRules, resolveAlertRules } from '../../../src/monitoring/alerts/alert-rule-parser.js';
import { DEFAULT_ALERT_RULES, defaultResolveThreshold, resolveSideIsValid } from '../../../src/monitoring/alerts/alert-rule.js';
import { InputError } from '../../../src/core/errors.js';

const ok = { name: 'slow', metric: 'latency_p99_ms', comparison: '>', threshold: 80 };

function fails(input: unknown, pattern: RegExp, facts?: Record<string, unknown>): void {
  assert.throws(() => parseAlertRules(input, 'lading.yaml monitoring.alerts'), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.code, 'alert-rule-invalid');
    assert.match(e.message, pattern);
    for (const [k, v] of Object.entries(facts ?? {})) assert.equal(e.facts[k], v, k);
    return true;
  });
}

test('rule errors name the rule index and the field', () => {
  fails([ok, ok, { ...ok, name: 'c', threshold: 'high' }], /^alerts\[1\]\.name: "slow" is already the name of alerts\[0\]; alerts\[2\]\.threshold: expected a number/, { index: 1, field: 'name' });
  fails([ok, { ...ok, name: 'x', threshold: 'high' }], /^alerts\[1\]\.threshold: expected a number \(in lading\.yaml monitoring\.alerts\)$/, { index: 1, field: 'threshold' });
  fails([{ name: 'x', metric: 'latency_p99_ms', comparison: '>' }], /alerts\[0\]\.threshold: required: a number/);
  fails([{ ...ok, metric: 'latency' }], /alerts\[0\]\.metric: expected one of drift_score, .*latency_p99_ms/);
  fails([{ ...ok, comparison: '==' }], /alerts\[0\]\.comparison: expected one of '>', '<', '>=', '<='/);
  fails([{ ...ok, window: '5 minutes' }], /alerts\[0\]\.window: expected a duration such as 30s, 5m, 1h, or a whole number of rows/);
  fails([{ ...ok, forMs: -5 }], /alerts\[0\]\.forMs: expected milliseconds/);
  fails([{ ...ok, treshold: 3 }], /alerts\[0\]\.treshold: unknown field/);
  fails([{ ...ok, resolveThreshold: 90 }], /alerts\[0\]\.resolveThreshold: expected a value at or below threshold 80/);
  fails([{ ...ok, comparison: '<', resolveThreshold: 70 }], /alerts\[0\]\.resolveThreshold: expected a value at or above threshold 80/);
  fails([{ ...ok, minSamples: 2.5 }], /alerts\[0\]\.minSamples: expected a whole number/);
  fails([ok, 'latency > 80'], /alerts\[1\]: expected a rule/);
  fails({ alerts: 'none' }, /^alerts: expected a list of rules/);
});

test('valid rules: durations, row windows, defaults filled, replacing and disabling default rules', () => {
  const set = parseAlertRules({
    alerts: [
      { ...ok, window: '10m', forMs: '2m', endpoint: 'hs4' },
      { name: 'labels', metric: 'real_accuracy', comparison: '<', threshold: 0.8, window: 2000, minSamples: 50, variant: 'green' },
      { name: 'log-drops', enabled: false },
      { name: 'drift', metric: 'drift_score', comparison: '>', threshold: 1.5 },
    ],
  });
  const [slow, labels, drift] = set.rules;
  assert.deepEqual(slow!.window, { kind: 'duration', ms: 600_000, text: '10m' });
  assert.equal(slow!.forMs, 120_000);
  assert.equal(slow!.resolveThreshold, 72);
  assert.equal(slow!.endpoint, 'hs4');
  assert.equal(slow!.variant, null);
  assert.deepEqual(labels!.window, { kind: 'rows', rows: 2_000, text: '2000' });
  assert.ok(Math.abs(labels!.resolveThreshold - 0.88) < 1e-12);
  assert.equal(labels!.minSamples, 50);
  assert.deepEqual(drift!.window, { kind: 'rows', rows: 5_000, text: '5000' }); // a missing window takes the default rule's
  assert.deepEqual(set.disabled, ['log-drops']);
  const rules = resolveAlertRules([set]);
  const names = rules.map((r) => r.name);
  assert.ok(!names.includes('log-drops'));
  assert.equal(rules.find((r) => r.name === 'drift')!.threshold, 1.5);
  assert.ok(names.includes('slow') && names.includes('error-rate'));
  assert.deepEqual(parseAlertRules(undefined), { rules: [], disabled: [] });
});

test('the default rules are consistent: resolve thresholds on the healthy side, real accuracy needs 100 labels', () => {
  assert.deepEqual(DEFAULT_ALERT_RULES.map((r) => r.name), ['drift', 'estimated-accuracy-drop', 'real-accuracy-drop', 'error-rate', 'latency-p99', 'log-drops']);
  for (const r of DEFAULT_ALERT_RULES) assert.ok(resolveSideIsValid(r.comparison, r.threshold, r.resolveThreshold), r.name);
  const real = DEFAULT_ALERT_RULES.find((r) => r.name === 'real-accuracy-drop')!;
  assert.equal(real.minSamples, 100);
  assert.equal(DEFAULT_ALERT_RULES.find((r) => r.name === 'latency-p99')!.resolveThreshold, 45);
  assert.equal(defaultResolveThreshold('<', -2), -1.8);
});

test('a rules file in YAML or JSON; a broken file is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-alerts-'));
  try {
    const yamlPath = join(dir, 'alerts.yaml');
    writeFileSync(yamlPath, `alerts:\n  - name: slow\n    metric: latency_p99_ms\n    comparison: '>'\n    threshold: 80\n    forMs: 30s\n  - name: broken\n    metric: error_rate\n    comparison: '>'\n    threshold: one percent\n`);
    assert.throws(() => loadAlertRulesFile(yamlPath), (e: unknown) => e instanceof InputError && e.message.startsWith('alerts[1].threshold: expected a number') && e.facts.source === yamlPath);
    const jsonPath = join(dir, 'alerts.json');
    writeFileSync(jsonPath, JSON.stringify([{ name: 'slow', metric: 'latency_p99_ms', comparison: '>', threshold: 80, forMs: 30_000 }]));
    assert.equal(loadAlertRulesFile(jsonPath).rules[0]!.forMs, 30_000);
    writeFileSync(join(dir, 'bad.yaml'), 'alerts: [ {name: x\n');
    assert.throws(() => loadAlertRulesFile(join(dir, 'bad.yaml')), (e: unknown) => e instanceof InputError && e.code === 'alert-rules-invalid');
    assert.throws(() => loadAlertRulesFile(join(dir, 'missing.yaml')), (e: unknown) => e instanceof InputError && e.code === 'alert-rules-unreadable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
