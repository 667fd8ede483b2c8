import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openMonitoringStore } from '../../src/platform/index.js';
import { uiMonitoring } from '../../src/platform/ui-monitoring.js';
import { rows } from '../monitoring/store/fixtures.js';

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
