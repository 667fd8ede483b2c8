import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrateMonitoringSqlite } from '../../../src/monitoring/store/sqlite/migrate.js';
import { MONITORING_MIGRATIONS } from '../../../src/monitoring/store/sqlite/migrations.js';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { encodeTokenHashes, encodeTopLabels, encodeTopScores } from '../../../src/monitoring/store/prediction-codec.js';
import { prediction, rows } from './fixtures.js';

const T0 = 1_700_000_000_000;

test('a monitoring file of schema 1 (string lookup indexes) opens, migrates, and answers every lookup on its old rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-migrate-'));
  const file = join(dir, 'monitoring.sqlite');
  try {
    // The file as lading wrote it before migration 2: schema 1 only, rows inserted the old way.
    const old = new Database(file);
    migrateMonitoringSqlite(old, file, MONITORING_MIGRATIONS.filter((m) => m.version === 1));
    const insert = old.prepare(`INSERT INTO mon_predictions (request_id, position, at, endpoint, variant, role, model, version, model_sha256,
      text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const written = [...rows(1200, (i) => ({ requestId: `old-${i >> 1}`, position: i & 1 })),
      prediction(5000, { requestId: 'old-shadow', role: 'shadow', variant: 'challenger' })];
    old.transaction(() => {
      for (const r of written) {
        const s = r.stats;
        insert.run(r.requestId, r.position, r.at, r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256, r.text, r.textSha256, r.label, r.score,
          encodeTopLabels(r.topK), encodeTopScores(r.topK), r.latencyMs, s.chars, s.tokens, s.digits, s.upper, s.nonAscii, encodeTokenHashes(s.tokenHashes));
      }
    })();
    old.close();

    const store = openSqliteMonitoringStore(file);
    try {
      const p = await store.findByRequestId('old-300', 1);
      assert.deepEqual(p && { ...p, seq: 0 }, { ...written[601]!, seq: 0 });
      assert.equal((await store.findByRequestId('old-shadow'))!.role, 'shadow');
      assert.equal((await store.findLatestByText('hs', prediction(3).textSha256))!.at, T0 + 1198 * 1000);
      assert.equal((await store.findLatestByText('hs', prediction(3).textSha256, T0 + 10_000))!.at, T0 + 8000);
      assert.equal(await store.countPredictions({ endpoint: 'hs' }), 1200);
      await store.appendPredictions([prediction(9000, { requestId: 'new-1' })]);
      assert.equal((await store.findByRequestId('new-1'))!.at, T0 + 9_000_000);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM mon_schema_migrations ORDER BY version').all().map((r) => (r as { version: number }).version), [1, 2]);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mon_predictions' AND sql IS NOT NULL").all().map((r) => (r as { name: string }).name);
      assert.deepEqual(indexes, ['mon_predictions_endpoint_at'], 'the string lookup indexes are gone');
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_request_keys').get() as { n: number }).n, 1202, 'every row with a request id is in the request keys');
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_text_keys').get() as { n: number }).n, 1201, 'primary rows only in the text keys');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
