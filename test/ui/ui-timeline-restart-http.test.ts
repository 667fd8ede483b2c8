import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openMonitoringStore, startUiProcess } from '../../src/platform/index.js';
import { monitoringStoreSpec } from '../../src/platform/monitoring-store.js';
import type { TimelineWindow } from '../../src/server/routes/ui-backend.js';
import { prediction, rows } from '../monitoring/store/fixtures.js';
import { assertFiguresOfReport, seed } from './timeline-fixture.js';
import { uiSettings, type RegistryAt } from './ui-fixture.js';

const pgUrl = process.env['LADING_TEST_PG_URL'] || undefined;

/**
 * A restart of `lading ui` over real HTTP: the monitoring timeline it computed before is complete
 * in the first answer of the restarted process (from the store: closed windows, the open one's
 * snapshot, real accuracy with its labels' mark), and a label or a row that came while it was down
 * makes only the windows they touch pending until computed, after which each equals the report.
 */
describe('lading ui restarted: the monitoring timeline from what the last process stored (real HTTP)', () => {
  for (const backEnd of ['SQLite', 'PostgreSQL'] as const) {
    const skip = backEnd === 'PostgreSQL' && pgUrl === undefined ? 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' : false;
    it(`answers complete at once after a restart with nothing new, and fills in what came while it was down (${backEnd})`, { skip, timeout: 120_000 }, async () => {
      const home = mkdtempSync(join(tmpdir(), 'lading-ui-restart-'));
      const registry: RegistryAt = backEnd === 'PostgreSQL' ? { registryUrl: pgUrl, registrySchema: `ui_rs_${randomBytes(4).toString('hex')}` } : { registryUrl: undefined, registrySchema: 'public' };
      const store = await openMonitoringStore(monitoringStoreSpec({ home, ...registry }));
      const timeline = async (url: string) => {
        const r = await fetch(`${url}/v1/ui/monitoring/hs?windows=4`);
        assert.equal(r.status, 200);
        return ((await r.json()) as { windows: TimelineWindow[] }).windows;
      };
      const complete = async (url: string) => {
        for (let i = 0; i < 600; i++) {
          const ws = await timeline(url);
          if (!ws.some((w) => w.pending)) return ws;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error('the timeline stayed pending');
      };
      const start = () => startUiProcess(uiSettings(home, registry), { warn: () => undefined });
      try {
        await seed(store);
        let ui = await start();
        const computed = await complete(ui.url).finally(() => ui.close());

        ui = await start();
        try {
          assert.deepEqual(await timeline(ui.url), computed, 'the first answer after the restart: complete, the same figures');
        } finally {
          await ui.close();
        }

        // While it is down: a late label for an answer in the oldest window (row 1, not labelled before) and a row in the open one.
        const p = prediction(1);
        await store.addFeedback([{
          endpoint: 'hs', time: p.at + 60_000, receivedAt: p.at + 60_000, label: 'other', source: 'test', requestId: p.requestId, position: 0, text: p.text, textSha256: p.textSha256, newClass: false,
          prediction: { seq: 2, variant: p.variant, model: p.model, version: p.version, modelSha256: p.modelSha256, label: p.label, score: p.score, at: p.at },
        }]);
        await store.appendPredictions(rows(1, () => ({}), 600));
        ui = await start();
        try {
          const first = await timeline(ui.url);
          assert.equal(first.length, computed.length);
          assert.ok(first[0]!.pending === true && first[0]!.variants.length > 0, 'the window the label counts in: pending on its labels');
          assert.deepEqual(first.slice(1, -1), computed.slice(1, -1), 'the windows nothing touched: complete');
          assert.ok(first.at(-1)!.pending === true, 'the open window: read again');
          const filled = await complete(ui.url);
          assert.equal(filled[0]!.variants.reduce((n, v) => n + v.labelled, 0), computed[0]!.variants.reduce((n, v) => n + v.labelled, 0) + 1);
          await assertFiguresOfReport(store, filled);
        } finally {
          await ui.close();
        }
      } finally {
        await store.close();
        if (registry.registryUrl !== undefined) {
          const client = new pg.Client({ connectionString: registry.registryUrl });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${registry.registrySchema} CASCADE`).finally(() => client.end());
        }
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
