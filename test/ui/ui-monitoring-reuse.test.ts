import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openMonitoringStore } from '../../src/platform/index.js';
import { uiMonitoring } from '../../src/platform/ui-monitoring.js';
import { buildMonitorReport } from '../../src/monitoring/report/monitor-report.js';
import { prediction, rows } from '../monitoring/store/fixtures.js';

const total = (ws: ReadonlyArray<{ variants: ReadonlyArray<{ predictions: number }> }>) => ws.reduce((n, w) => n + w.variants.reduce((m, v) => m + v.predictions, 0), 0);

test('a stale timeline is answered at once while the next one is computed behind it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-monitoring-'));
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
  try {
    await store.appendPredictions(rows(20));
    const ui = uiMonitoring(store, { reuseMs: 0 });
    const first = ui.timeline('hs', 4);
    assert.equal(ui.timeline('hs', 4), first, 'while it is computed, callers share the computation');
    assert.equal(total(await first), 20);

    await store.appendPredictions(rows(10, () => ({}), 20));
    const stale = ui.timeline('hs', 4);
    assert.equal(stale, first, 'stale but computed: answered at once');
    assert.equal(ui.timeline('hs', 4), first, 'one refresh at a time');
    for (let i = 0; i < 50 && ui.timeline('hs', 4) === first; i++) await new Promise((r) => setTimeout(r, 10));
    const fresh = ui.timeline('hs', 4);
    assert.notEqual(fresh, first, 'the refreshed answer replaces it');
    assert.equal(total(await fresh), 30);
    assert.equal(total(await ui.timeline('hs', 5)), 30, 'another window count is its own computation');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the timeline\'s real accuracy per window is the report\'s, with the feedback read once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-ui-monitoring-'));
  const store = await openMonitoringStore({ kind: 'sqlite', path: join(dir, 'monitoring.sqlite') });
  try {
    await store.appendPredictions(rows(40));
    // Labels for every third row, arriving 5 s later (some after a window's end), half of them right.
    await store.addFeedback(Array.from({ length: 14 }, (_, k) => {
      const p = prediction(k * 3);
      return {
        endpoint: 'hs', time: p.at + 5000, receivedAt: p.at + 5000, label: k % 2 ? p.label : 'other', source: 'test', requestId: p.requestId, position: 0,
        text: p.text, textSha256: p.textSha256, newClass: false,
        prediction: { seq: k * 3 + 1, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at },
      };
    }));
    const windows = await uiMonitoring(store).timeline('hs', 4);
    assert.equal(windows.length, 4);
    for (const w of windows) {
      const report = await buildMonitorReport(store, 'hs', { since: w.since, until: w.until }, async () => undefined);
      const real = report.realAccuracy.byModel[0];
      assert.deepEqual([w.variants[0]!.realAccuracy, w.variants[0]!.labelled], [real?.accuracy ?? null, real?.labelled ?? 0]);
    }
    assert.ok(windows.some((w) => w.variants[0]!.labelled > 0));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
