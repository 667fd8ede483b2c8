import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256Hex } from '../../../src/core/hash.js';
import { createRandom } from '../../../src/core/random.js';
import { AccuracyCalibrator, estimateAccuracy } from '../../../src/monitoring/accuracy/accuracy-estimator.js';
import { wilsonInterval } from '../../../src/monitoring/accuracy/wilson-interval.js';
import { runDriftReport, type DriftReport } from '../../../src/monitoring/drift/drift-report.js';
import { driftWindowFromPredictions } from '../../../src/monitoring/drift/drift-window.js';
import type { LoggedPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import { buildMonitorReport, type ReportWindow } from '../../../src/monitoring/report/monitor-report.js';
import type { StoredPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import type { FeedbackRecord, MonitoringStore } from '../../../src/monitoring/store/monitoring-store.js';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { computeTextStats } from '../../../src/monitoring/text-stats.js';
import { normaliseText } from '../../../src/text/normalise.js';
import { fakeProba, generateTexts, LABELS, syntheticProfile } from '../drift/synthetic-traffic.js';

// A real SQLite log holding three streams of one endpoint, interleaved in time so most pages mix
// them: `main` (7,000 rows, above the domain classifier's 5,000-row cap, a third of them with new
// words so some tests drift), `challenger` (2,000 rows of another artifact with the same profile)
// and `legacy` (30 rows of an artifact without a profile).
const profile = syntheticProfile(1);
const SHA = { main: 'a'.repeat(64), challenger: 'b'.repeat(64), legacy: 'c'.repeat(64) } as const;
const dir = mkdtempSync(join(tmpdir(), 'lading-monitor-report-'));
const store: MonitoringStore = openSqliteMonitoringStore(join(dir, 'monitoring.sqlite'));
after(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });

const T0 = 1_800_000_000_000;
const random = createRandom(9);
const rows: LoggedPrediction[] = [];
function addStream(variant: keyof typeof SHA, n: number, seed: number, extraShare: number): void {
  const t = generateTexts(n, seed, { extraWords: ['palletised', 'shrinkwrapped', 'overwrapped'], extraShare });
  const { predicted, top } = fakeProba(t.y, seed + 1);
  t.texts.forEach((text, i) => {
    const label = LABELS[predicted[i]!]!;
    // Scores as a model gives them in float64: the report reads them as Float32, as it always did.
    const score = top[i]! + 1e-9 * (i % 7);
    rows.push({
      requestId: `${variant}-${i}`, position: 0, at: T0 + Math.floor(random.next() * 3_600_000), endpoint: 'hs', variant, role: 'primary',
      model: `model-${variant}`, version: '1', modelSha256: SHA[variant], text: i % 11 === 0 ? null : text, textSha256: sha256Hex(normaliseText(text)),
      label, score, topK: [{ label, score }], latencyMs: 1 + random.int(400) / 8, stats: computeTextStats(text),
    });
  });
}
addStream('main', 7000, 30, 0.3);
addStream('challenger', 2000, 40, 0);
addStream('legacy', 30, 50, 0);
rows.sort((a, b) => a.at - b.at);
for (let i = 0; i < rows.length; i += 1000) await store.appendPredictions(rows.slice(i, i + 1000));
const loadProfile = async (sha: string) => (sha === SHA.legacy ? undefined : profile);

/** The report as it was built before it streamed: every row of the window in memory, then runDriftReport per variant. */
async function inMemory(window: ReportWindow): Promise<Map<string, { rows: StoredPrediction[]; drift: DriftReport | null }>> {
  const groups = new Map<string, StoredPrediction[]>();
  for await (const page of store.scanPredictions({ endpoint: 'hs', ...window })) {
    for (const r of page) {
      const list = groups.get(r.variant);
      if (list) list.push(r); else groups.set(r.variant, [r]);
    }
  }
  const out = new Map<string, { rows: StoredPrediction[]; drift: DriftReport | null }>();
  for (const [variant, list] of groups) out.set(variant, { rows: list, drift: variant === 'legacy' ? null : runDriftReport(profile, driftWindowFromPredictions(list)) });
  return out;
}

function sortedQuantile(values: number[], q: number): number {
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

describe('buildMonitorReport over a real SQLite log', () => {
  for (const window of [{ since: 0 }, { last: 3000 }] as ReportWindow[]) {
    it(`gives the figures of the whole window in memory (${JSON.stringify(window)}): same tests, verdicts and values`, async () => {
      const report = await buildMonitorReport(store, 'hs', window, loadProfile);
      const memory = await inMemory(window);
      assert.deepEqual(report.variants.map((v) => v.variant).sort(), [...memory.keys()].sort());
      for (const v of report.variants) {
        const m = memory.get(v.variant)!;
        assert.equal(v.predictions, m.rows.length);
        assert.equal(v.from, Math.min(...m.rows.map((r) => r.at)));
        assert.equal(v.to, Math.max(...m.rows.map((r) => r.at)));
        assert.deepEqual(v.latencyMs, { p50: sortedQuantile(m.rows.map((r) => r.latencyMs), 0.5), p99: sortedQuantile(m.rows.map((r) => r.latencyMs), 0.99) });
        if (m.drift === null) { assert.equal(v.drift, null); assert.equal(v.estimatedAccuracy, null); continue; }
        assert.deepEqual(v.estimatedAccuracy, estimateAccuracy(AccuracyCalibrator.fit(profile.calibration), Float32Array.from(m.rows, (r) => r.score)));
        const drift = v.drift!;
        const expected = m.drift;
        assert.deepEqual(drift.tests.map((t) => [t.name, t.drift, t.thresholdFrom]), expected.tests.map((t) => [t.name, t.drift, t.thresholdFrom]));
        drift.tests.forEach((t, i) => {
          assert.ok(Math.abs(t.value - expected.tests[i]!.value) <= 1e-9, `${v.variant} ${t.name}: ${t.value} vs ${expected.tests[i]!.value}`);
          assert.ok(Math.abs(t.threshold - expected.tests[i]!.threshold) <= 1e-9, `${v.variant} ${t.name} threshold`);
        });
        // Nothing in it is approximate: the whole comparison is equal, tokens and examples included.
        assert.deepEqual(drift, expected);
      }
      const main = report.variants.find((v) => v.variant === 'main')!;
      if (window.since === 0) {
        assert.equal(main.predictions, 7000, 'main is above the classifier cap');
        assert.equal(main.drift!.drift, true);
        assert.ok(main.drift!.tests.some((t) => !t.drift), 'and some tests stay quiet');
      }
    });
  }

  it('puts the estimate beside the real accuracy of the same labelled predictions, per variant and model', async () => {
    // Labels for every 5th prediction of main (right 70% of the time), a second later word for some, none for challenger.
    const labelled: StoredPrediction[] = [];
    for await (const page of store.scanPredictions({ endpoint: 'hs', variant: 'main' })) for (const r of page) if (r.seq % 5 === 0) labelled.push(r);
    const truth = new Map<number, string>();
    const feedback: FeedbackRecord[] = [];
    labelled.forEach((r, i) => {
      const first = i % 10 < 7 ? r.label : r.label === LABELS[0] ? LABELS[1]! : LABELS[0]!;
      const record = (label: string, time: number): FeedbackRecord => ({
        endpoint: 'hs', time, receivedAt: time, label, source: 'broker', requestId: r.requestId, position: 0, text: r.text, textSha256: r.textSha256,
        prediction: { seq: r.seq, variant: r.variant, model: r.model, version: r.version, modelSha256: r.modelSha256, label: r.label, score: r.score, at: r.at }, newClass: false,
      });
      feedback.push(record(first, T0 + 4_000_000));
      truth.set(r.seq, first);
      if (i % 13 === 0) { feedback.push(record(r.label, T0 + 5_000_000)); truth.set(r.seq, r.label); }
    });
    await store.addFeedback(feedback);

    const report = await buildMonitorReport(store, 'hs', { since: 0 }, loadProfile);
    const main = report.variants.find((v) => v.variant === 'main')!.estimateVersusReal!;
    const calibrator = AccuracyCalibrator.fit(profile.calibration);
    const correct = labelled.filter((r) => truth.get(r.seq) === r.label).length;
    const estimated = estimateAccuracy(calibrator, Float32Array.from(labelled, (r) => r.score)).estimated!;
    assert.equal(main.labelled, labelled.length, 'a prediction labelled twice counts once, with its latest label');
    assert.ok(Math.abs(main.estimated - estimated) < 1e-12);
    assert.equal(main.real, correct / labelled.length);
    assert.deepEqual(main.interval, wilsonInterval(correct, labelled.length));
    assert.ok(Math.abs(main.error - (estimated - correct / labelled.length)) < 1e-12);
    assert.equal(main.withinRealInterval, estimated >= main.interval.lower && estimated <= main.interval.upper);
    // The real accuracy of the whole report agrees on the same labels.
    assert.equal(report.realAccuracy.byVariant.find((v) => v.variant === 'main')!.accuracy, main.real);
    assert.equal(report.variants.find((v) => v.variant === 'challenger')!.estimateVersusReal, null, 'no labels, nothing to compare');
    assert.equal(report.variants.find((v) => v.variant === 'legacy')!.estimateVersusReal, null, 'no profile, no estimate');
  });
});
