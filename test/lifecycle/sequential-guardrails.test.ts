import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Guardrails } from '../../src/lifecycle/pipeline/pipeline-spec.js';
import { checkGuardrails, guardrailTestsFromPlan } from '../../src/lifecycle/sequential/guardrail-check.js';
import { P99LatencyTest } from '../../src/lifecycle/sequential/p99-latency-test.js';
import { PairedAccuracyTest } from '../../src/lifecycle/sequential/paired-accuracy-test.js';
import { RateDifferenceTest } from '../../src/lifecycle/sequential/rate-difference-test.js';
import { RateThresholdTest } from '../../src/lifecycle/sequential/rate-threshold-test.js';
import { simulateRateGuardrail } from '../../src/lifecycle/sequential/simulate-guardrails.js';
import { inputErrorField } from './sequential-helpers.js';

const guardrails: Guardrails = { errorRate: 0.01, p99Ms: 500, drift: true, accuracy: true };
const plan = { alpha: 0.05, guardrails };

test('error rate against a fixed threshold: at the threshold, at most α of continuously read runs breach; well above it, all do, fast', () => {
  // 1,000 challengers erring exactly at the 1% guardrail, read after every 50 requests up to 10,000.
  const atThreshold = simulateRateGuardrail({ name: 'at', challengerRate: 0.01, threshold: 0.01, alpha: 0.05, experiments: 1000, maxRequests: 10_000, seed: 5 });
  assert.ok(atThreshold.breachedShare <= 0.05, `false breaches ${atThreshold.breachedShare}`);
  const below = simulateRateGuardrail({ name: 'below', challengerRate: 0.005, threshold: 0.01, alpha: 0.05, experiments: 500, maxRequests: 10_000, seed: 5 });
  assert.ok(below.breachedShare <= 0.01, `false breaches ${below.breachedShare}`);
  // A broken challenger (5% errors) is caught within 400 requests in 95% of runs; 2% within 3,000.
  const broken = simulateRateGuardrail({ name: 'broken', challengerRate: 0.05, threshold: 0.01, alpha: 0.05, experiments: 500, maxRequests: 10_000, seed: 5 });
  assert.equal(broken.breachedShare, 1);
  assert.ok(broken.requestsToBreach.p95 <= 400, JSON.stringify(broken.requestsToBreach));
  const twice = simulateRateGuardrail({ name: 'twice', challengerRate: 0.02, threshold: 0.01, alpha: 0.05, experiments: 500, maxRequests: 10_000, seed: 5 });
  assert.ok(twice.requestsToBreach.p95 <= 3000, JSON.stringify(twice.requestsToBreach));
});

test('the rate test breaches with numbers in its reason, and its lower bound sits below the observed rate', () => {
  const t = new RateThresholdTest({ threshold: 0.01, alpha: 0.05 });
  t.addCounts({ requests: 1000, events: 8 });
  let d = t.decide();
  assert.equal(d.breached, false);
  assert.equal(d.lower < 0.008, true);
  t.addCounts({ requests: 200, events: 29 });
  d = t.decide();
  assert.equal(d.breached, true);
  assert.ok(d.evidence >= 20);
  assert.ok(d.lower > 0.01 && d.lower < 37 / 1200, String(d.lower));
  for (let i = 0; i < 10; i++) t.add(i === 0);
  assert.equal(t.decide().requests, 1210);
  assert.equal(t.decide().events, 38);
  // Nothing at all is never a breach; two failures in two requests against 1% already are.
  assert.equal(new RateThresholdTest({ threshold: 0.01, alpha: 0.05 }).decide().breached, false);
  const early = new RateThresholdTest({ threshold: 0.01, alpha: 0.05 });
  early.add(true);
  assert.equal(early.breached(), false);
  early.add(true);
  assert.equal(early.breached(), true);
});

test('p99 latency: slow requests above 1% with confidence break the guardrail; the reason names the bound and the counts', () => {
  const t = new P99LatencyTest({ boundMs: 500, alpha: 0.05 });
  t.addLatencies(Float64Array.from({ length: 1000 }, (_, i) => (i % 100 === 0 ? 900 : 40)));
  assert.equal(t.decide().breached, false);
  assert.equal(t.decide().events, 10);
  t.addCounts({ requests: 200, slow: 27 });
  const d = t.decide();
  assert.equal(d.breached, true);
  assert.match(d.reason, /^p99 latency is above 500 ms with confidence: 37 of 1,200 requests \(3\.08%\) took longer than 500 ms, where a p99 within it allows 1% \(at least 1\.\d\d% with always-valid 95% confidence;/);
  const back = P99LatencyTest.fromJSON(JSON.parse(JSON.stringify(t)));
  assert.deepEqual(back.decide(), d);
});

test('challenger against champion error rate: as good as the champion rarely breaches, three times worse always does', () => {
  const same = simulateRateGuardrail({ name: 'same', challengerRate: 0.01, championRate: 0.01, alpha: 0.05, experiments: 400, maxRequests: 20_000, seed: 9 });
  assert.ok(same.breachedShare <= 0.05, `false breaches ${same.breachedShare}`);
  const worse = simulateRateGuardrail({ name: 'worse', challengerRate: 0.03, championRate: 0.01, alpha: 0.05, experiments: 400, maxRequests: 20_000, seed: 9 });
  assert.equal(worse.breachedShare, 1);
  assert.ok(worse.requestsToBreach.p95 <= 6000, JSON.stringify(worse.requestsToBreach));

  const t = new RateDifferenceTest({ alpha: 0.05 });
  t.addCounts({ champion: { requests: 2000, events: 20 }, challenger: { requests: 2000, events: 80 } });
  const d = t.decide();
  assert.equal(d.breached, true);
  assert.match(d.reason, /^challenger's error rate is higher than the champion's with confidence: challenger 80 of 2,000 \(4\.00%\) against champion 20 of 2,000 \(1\.00%\); difference \+3\.0 points/);
  const few = new RateDifferenceTest({ alpha: 0.05 });
  few.addCounts({ champion: { requests: 1000, events: 0 }, challenger: { requests: 50, events: 40 } });
  assert.equal(few.decide().breached, false);
  assert.match(few.decide().reason, /at least 100 requests per arm first$/);
  assert.deepEqual(RateDifferenceTest.fromJSON(JSON.parse(JSON.stringify(t))).decide(), d);
});

test('checkGuardrails says which guardrails broke and why; plan switches decide which are read', () => {
  const tests = guardrailTestsFromPlan(plan);
  tests.errors.addCounts({ requests: 1000, events: 3 });
  tests.latency.addCounts({ requests: 1000, slow: 4 });
  const ok = checkGuardrails(guardrails, { ...tests });
  assert.equal(ok.breached, false);
  assert.deepEqual(ok.checked, ['error-rate', 'p99-latency', 'error-rate-vs-champion', 'drift']);
  assert.match(ok.reason, /^no guardrail broke/);

  tests.errors.addCounts({ requests: 500, events: 40 });
  const accuracy = new PairedAccuracyTest({ alpha: 0.05, minEffect: 0.02, maxLabels: 20_000 });
  accuracy.addCounts({ bothCorrect: 3000, challengerOnly: 100, championOnly: 300, bothWrong: 600 });
  const broke = checkGuardrails(guardrails, { ...tests, accuracy, driftAlert: 'label distribution PSI 0.31 over 0.2 on the last 1,000 predictions' });
  assert.equal(broke.breached, true);
  assert.deepEqual(broke.breaches.map((b) => b.guardrail), ['error-rate', 'accuracy', 'drift']);
  assert.match(broke.breaches[0]!.reason, /^error rate is above the 1\.00% guardrail with confidence: 43 of 1,500 requests \(2\.87%\) failed \(at least /);
  assert.match(broke.breaches[1]!.reason, /^accuracy on delayed labels is worse than the champion's: challenger is worse: accuracy difference −5\.0 points/);
  assert.match(broke.reason, /^3 guardrails broke: error-rate: /);

  const off = checkGuardrails({ ...guardrails, accuracy: false, drift: false }, { accuracy, driftAlert: 'anything' });
  assert.equal(off.breached, false);
  assert.deepEqual(off.checked, []);
});

test('bad guardrail input is an InputError naming the field, and changes nothing', () => {
  assert.equal(inputErrorField(() => new RateThresholdTest({ threshold: 0, alpha: 0.05 })), 'options.threshold');
  assert.equal(inputErrorField(() => new RateThresholdTest({ threshold: 0.01, alpha: 1 })), 'options.alpha');
  assert.equal(inputErrorField(() => guardrailTestsFromPlan({ alpha: 0.05, guardrails: { ...guardrails, errorRate: 1.5 } })), 'guardrails.errorRate.threshold');
  assert.equal(inputErrorField(() => guardrailTestsFromPlan({ alpha: 0.05, guardrails: { ...guardrails, p99Ms: -1 } })), 'guardrails.p99Ms.boundMs');
  const t = new RateThresholdTest({ threshold: 0.01, alpha: 0.05 });
  assert.equal(inputErrorField(() => t.addCounts({ requests: 10, events: 11 })), 'counts.events');
  assert.equal(inputErrorField(() => t.addCounts({ requests: -1, events: 0 })), 'counts.requests');
  assert.equal(t.requests, 0);
  const p = new P99LatencyTest({ boundMs: 500, alpha: 0.05 });
  assert.equal(inputErrorField(() => p.addLatencies([10, 20, -5])), 'latencies[2]');
  assert.equal(p.decide().requests, 0);
  assert.equal(inputErrorField(() => new RateDifferenceTest({ alpha: 0.05, tolerance: -0.1 })), 'options.tolerance');
  const d = new RateDifferenceTest({ alpha: 0.05 });
  assert.equal(inputErrorField(() => d.addCounts({ champion: { requests: 5, events: 1 }, challenger: { requests: 5, events: 6 } })), 'counts.challenger.events');
  assert.equal(d.decide().champion.requests, 0);
  const saved = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
  assert.equal(inputErrorField(() => RateThresholdTest.fromJSON({ ...saved, counts: { requests: 3, events: 4 } })), 'state.counts.events');
  assert.equal(inputErrorField(() => RateThresholdTest.fromJSON({ ...saved, format: 'other/9' })), 'state.format');
  assert.equal(inputErrorField(() => checkGuardrails({ ...guardrails, errorRate: 0.02 }, { errors: t })), 'errors.threshold');
  assert.equal(inputErrorField(() => simulateRateGuardrail({ name: 'x', challengerRate: 0.01, alpha: 0.05, experiments: 1, maxRequests: 10 })), 'scenario.threshold');
});
