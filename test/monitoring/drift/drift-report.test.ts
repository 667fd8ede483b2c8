import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/core/errors.js';
import { runDriftReport, type DriftComparison } from '../../../src/monitoring/drift/drift-report.js';
import { driftWindowFromPredictions, type DriftWindow } from '../../../src/monitoring/drift/drift-window.js';
import { decodeProfile, encodeProfile } from '../../../src/monitoring/profile/profile-codec.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';
import { generateTexts, LABELS, syntheticProfile, windowOf } from './synthetic-traffic.js';

const profile = syntheticProfile(1);

function test(c: DriftComparison, name: string) {
  const t = c.tests.find((x) => x.name === name);
  assert.ok(t, `no test ${name}`);
  return t;
}

describe('runDriftReport', () => {
  it('finds no drift in a fresh window of the same traffic, every distance small', () => {
    const report = runDriftReport(profile, windowOf(generateTexts(2000, 50), 51));
    assert.equal(report.drift, false, JSON.stringify(report.tests.filter((t) => t.drift)));
    assert.equal(report.against, 'reference');
    assert.deepEqual(report.rows, { baseline: 2500, current: 2000 });
    assert.equal(report.tests.length, 9);
    for (const t of report.tests) {
      if (t.kind === 'domain-classifier') assert.ok(Math.abs(t.value - 0.5) < 0.05, `${t.name} ${t.value}`);
      else assert.ok(t.value < 0.1, `${t.name} ${t.value}`);
      assert.ok(t.threshold >= (t.kind === 'domain-classifier' ? 0.55 : 0.1));
    }
  });

  it('gives distance ~0 for a window equal to the previous one', () => {
    const w = windowOf(generateTexts(1500, 60), 61);
    const report = runDriftReport(profile, w, { previous: w });
    const prev = report.previous!;
    assert.equal(prev.against, 'previous-window');
    for (const t of prev.tests) if (t.kind !== 'domain-classifier') assert.ok(t.value < 1e-9, `${t.name} ${t.value}`);
    assert.equal(prev.drift, false);
  });

  it('flags upper-case traffic on the upper-case share only among the character mixes', () => {
    const report = runDriftReport(profile, windowOf(generateTexts(1500, 70, { upper: true }), 71), { domainClassifier: false });
    assert.equal(test(report, 'wasserstein:upperShare').drift, true);
    assert.ok(test(report, 'wasserstein:upperShare').value > 1);
    assert.equal(test(report, 'wasserstein:nonAsciiShare').drift, false);
    assert.equal(test(report, 'jensen-shannon:token-buckets').drift, false, 'tokens are normalised to lower case');
  });

  it('flags traffic moved to two classes on the predicted-label distance', () => {
    const weights = LABELS.map((_, c) => (c < 2 ? 6 : 1));
    const report = runDriftReport(profile, windowOf(generateTexts(1500, 80, { classWeights: weights }), 81));
    assert.equal(test(report, 'jensen-shannon:predicted-label').drift, true);
    assert.equal(report.drift, true);
  });

  it('flags new words on OOV rate, token buckets and the domain classifier, which names them', () => {
    const words = ['palletised', 'shrinkwrapped', 'overwrapped'];
    const report = runDriftReport(profile, windowOf(generateTexts(2000, 90, { extraWords: words, extraShare: 0.5 }), 91));
    for (const name of ['wasserstein:oovRate', 'jensen-shannon:token-buckets', 'domain-classifier:tokens']) {
      assert.equal(test(report, name).drift, true, `${name} ${test(report, name).value} / ${test(report, name).threshold}`);
    }
    assert.deepEqual(report.separatingTokens.current.slice(0, 3).map((t) => t.token).sort(), [...words].sort());
    assert.ok(report.currentExamples.length > 0);
  });

  it('raises the thresholds of a small window to its noise floor', () => {
    const report = runDriftReport(profile, windowOf(generateTexts(40, 100), 101));
    assert.ok(report.tests.some((t) => t.thresholdFrom === 'noise-floor' && t.threshold > 0.1), JSON.stringify(report.tests));
    assert.equal(test(report, 'domain-classifier:tokens').thresholdFrom, 'permutation');
  });

  it('reads the same from a decoded profile and is deterministic', () => {
    const w = windowOf(generateTexts(800, 110), 111);
    const a = runDriftReport(profile, w);
    const b = runDriftReport(decodeProfile(encodeProfile(profile)), w);
    assert.deepEqual(b, a);
  });

  it('builds windows from logged predictions, texts or not', () => {
    const texts = generateTexts(3, 120).texts;
    const w = driftWindowFromPredictions(texts.map((t, i) => ({ stats: computeTextStats(t), label: LABELS[i]!, score: 0.5, text: i === 0 ? null : t })));
    assert.deepEqual(w.labels, LABELS.slice(0, 3));
    assert.deepEqual(w.texts[0], null);
    assert.equal(w.scores.length, 3);
  });

  it('refuses an empty or misaligned window with a clear error', () => {
    const empty: DriftWindow = { stats: [], labels: [], scores: new Float32Array(0), texts: [] };
    assert.throws(() => runDriftReport(profile, empty), (e: unknown) => e instanceof InputError && e.code === 'drift-empty-window');
    const w = windowOf(generateTexts(10, 130), 131);
    assert.throws(() => runDriftReport(profile, { ...w, labels: w.labels.slice(1) }),
      (e: unknown) => e instanceof InputError && e.code === 'drift-window-shape' && e.facts['field'] === 'labels');
    assert.throws(() => runDriftReport(profile, w, { previous: empty }),
      (e: unknown) => e instanceof InputError && e.facts['window'] === 'previous');
  });
});
