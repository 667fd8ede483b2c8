import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, PrivatePostgres } from '../../../bench/cluster-parts.js';
import { openPgMonitoringStore } from '../../../src/monitoring/store/postgres/open-monitoring-store.js';
import { rows } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the PostgreSQL prediction log writes again after the server restarts (every pooled connection ended under it)', async () => {
  // A PostgreSQL of its own (Debian's binaries), so that restarting it disturbs no other test.
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-pg-restart-'));
  const db = new PrivatePostgres(dir, await freePort()).init();
  db.start();
  try {
    const store = await openPgMonitoringStore({ url: db.url, schema: 'lading' });
    try {
      // Several connections in the pool, all idle when the server goes away.
      await Promise.all([0, 1, 2].map((k) => store.appendPredictions(rows(10, () => ({}), k * 10))));
      assert.equal(await store.countPredictions({ endpoint: 'hs' }), 30);
      // Before the fix, an ended idle connection's 'error' ended the process (this test runner with
      // it), and a transaction's broken connection went back to the pool, so that the server's log
      // writer failed every batch after the restart ("Connection terminated unexpectedly").
      db.restart();
      await sleep(300);
      let written = 0;
      const failures: string[] = [];
      for (let attempt = 0; attempt < 8 && written < 3; attempt++) {
        try {
          await store.appendPredictions(rows(10, () => ({}), 100 + written * 10));
          written++;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      assert.equal(written, 3, `writes did not resume: ${failures.join('; ')}`);
      assert.ok(failures.length <= 4, `each dead connection fails at most once: ${failures.join('; ')}`);
      assert.equal(await store.countPredictions({ endpoint: 'hs' }), 60);
    } finally {
      await store.close();
    }
  } finally {
    db.stop('immediate');
    rmSync(dir, { recursive: true, force: true });
  }
});
