import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { LoggedPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { prediction } from './fixtures.js';

const T0 = 1_700_000_000_000;

/** Rows of one request: `positions` of request `id` at `at`, each text naming its request and position. */
const request = (id: string, positions: readonly number[], at: number, over: Partial<LoggedPrediction> = {}) =>
  positions.map((p, k) => prediction(k, { requestId: id, position: p, at, text: `${over.role ?? 'primary'} ${id} #${p}`, ...over }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

// Appended as rows; a batch's columns make the same segment bytes (test/monitoring/log/batch-columns.test.ts).
test('a request\'s later texts need no lookup key of their own: every position is found, primary before shadow, across appends and gaps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-request-runs-'));
  const file = join(dir, 'monitoring.sqlite');
  const store = openSqliteMonitoringStore(file);
  const append = (batch: LoggedPrediction[]) => store.appendPredictions(batch);
  try {
    const shadow = { role: 'shadow' as const, variant: 'canary' };
    await append([
      ...request('r32', range(0, 32), T0),
      ...request('r32', range(0, 32), T0, shadow), // the same request answered by a shadow: a run of its own
      ...request('gap', [0, 2, 3], T0 + 1), // position 1 missing: 2 and 3 keep their own keys
      ...request('split', range(0, 5), T0 + 2),
      ...request('only-shadow', range(0, 3), T0 + 3, shadow),
    ]);
    await append(request('split', range(5, 5), T0 + 2)); // the rest of a request in the next segment
    for (const p of range(0, 32)) {
      const found = await store.findByRequestId('r32', p);
      assert.equal(found?.text, `primary r32 #${p}`, `r32 #${p}`);
      assert.equal(found?.role, 'primary');
    }
    assert.equal(await store.findByRequestId('r32', 32), undefined, 'past the end of the request');
    for (const p of [0, 2, 3]) assert.equal((await store.findByRequestId('gap', p))?.text, `primary gap #${p}`);
    assert.equal(await store.findByRequestId('gap', 1), undefined);
    for (const p of range(0, 10)) assert.equal((await store.findByRequestId('split', p))?.text, `primary split #${p}`, `split #${p}`);
    for (const p of range(0, 3)) assert.equal((await store.findByRequestId('only-shadow', p))?.role, 'shadow');
    // A client that sends the same id again: the newest answer of a position wins; older positions stay found.
    await append(request('r32', range(0, 4), T0 + 10));
    assert.equal((await store.findByRequestId('r32', 2))?.at, T0 + 10);
    assert.equal((await store.findByRequestId('r32', 20))?.at, T0);
    // One entry per run's first row, plus every row that does not continue a run in its segment.
    const db = new Database(file, { readonly: true });
    try {
      assert.equal((db.prepare('SELECT SUM(tuples) AS n FROM mon_key_runs WHERE kind = 0').get() as { n: number }).n, 1 + 1 + 3 + 1 + 1 + 5 + 1);
    } finally {
      db.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
