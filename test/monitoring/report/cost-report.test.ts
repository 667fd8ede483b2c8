import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCostReport } from '../../../src/monitoring/report/cost-report.js';
import type { ServingCostRecord } from '../../../src/monitoring/store/serving-cost.js';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';

const T0 = 1_700_000_000_000;
const rec = (over: Partial<ServingCostRecord>): ServingCostRecord => ({
  processId: 'a/1', processStartedAt: T0, endpoint: 'hs', variant: 'main', model: 'm', version: '1', texts: 100, cpuSeconds: 0.5, at: T0 + 60_000, ...over,
});

test('cost per version: the latest figures of each process life summed, variants of one version together, other versions and windows left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cost-report-'));
  const store = openSqliteMonitoringStore(join(dir, 'monitoring.sqlite'));
  try {
    await store.recordServingCost([
      rec({ texts: 50, cpuSeconds: 0.25, at: T0 + 30_000 }),
      rec({}), // the same process later: replaces its figure, never adds to it
      rec({ processStartedAt: T0 + 100_000, texts: 300, cpuSeconds: 1.5, at: T0 + 160_000 }), // restarted: a second life
      rec({ processId: 'b/2', variant: 'shadow', texts: 600, cpuSeconds: 3, at: T0 + 160_000 }), // another host, another variant, same version
      rec({ version: '2', texts: 5, cpuSeconds: 1 }), // did not answer in the window: not reported
      rec({ processId: 'c/3', version: '3', processStartedAt: T0 + 900_000, at: T0 + 960_000 }), // started after the window
    ]);
    const r = await buildCostReport(store, 'hs', [{ model: 'm', version: '1' }, { model: 'm', version: '3' }, { model: 'm', version: '4' }], { since: T0, until: T0 + 500_000 });
    assert.deepEqual(r.versions, [{ model: 'm', version: '1', texts: 1000, cpuSeconds: 5, cpuSecondsPerMillion: 5000, processes: 3, recordedAt: T0 + 160_000 }]);
    assert.deepEqual(r.unrecorded, ['m@3', 'm@4']);
    // Records taken before the window began are of processes that had stopped by then.
    assert.deepEqual((await buildCostReport(store, 'hs', [{ model: 'm', version: '1' }], { since: T0 + 100_000 })).versions.map((v) => [v.texts, v.processes]), [[900, 2]]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
