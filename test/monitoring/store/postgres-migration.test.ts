import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openMonitoringPool } from '../../../src/monitoring/store/postgres/connection.js';
import { migrateMonitoringPg } from '../../../src/monitoring/store/postgres/migrate.js';
import { PG_MONITORING_MIGRATIONS } from '../../../src/monitoring/store/postgres/migrations.js';
import { openPgMonitoringStore } from '../../../src/monitoring/store/postgres/open-monitoring-store.js';
import { encodeTokenHashes, encodeTopLabels, encodeTopScores } from '../../../src/monitoring/store/prediction-codec.js';
import { prediction, rows } from './fixtures.js';

const T0 = 1_700_000_000_000;
const url = process.env['LADING_TEST_PG_URL'];

if (url === undefined || url === '') {
  test('monitoring store migration: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  test('a PostgreSQL monitoring schema at migration 1 (string lookup indexes) migrates and answers every lookup on its old rows', async () => {
    const schema = `mon_test_${randomBytes(5).toString('hex')}`;
    const pool = openMonitoringPool({ url, schema });
    const written = [...rows(600, (i) => ({ requestId: `old-${i >> 1}`, position: i & 1 })),
      prediction(5000, { requestId: 'old-shadow', role: 'shadow', variant: 'challenger' })];
    try {
      // The schema as lading wrote it before migration 2, rows inserted the old way (unnest arrays).
      await migrateMonitoringPg(pool, schema, schema, PG_MONITORING_MIGRATIONS.filter((m) => m.version === 1));
      const cols = written.map((r) => [r.requestId, r.position, r.at, r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256, r.text, r.textSha256,
        r.label, r.score, encodeTopLabels(r.topK), encodeTopScores(r.topK), r.latencyMs, r.stats.chars, r.stats.tokens, r.stats.digits, r.stats.upper,
        r.stats.nonAscii, encodeTokenHashes(r.stats.tokenHashes)]);
      const types = ['text', 'int4', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'text', 'bytea', 'float8', 'int4', 'int4', 'int4', 'int4', 'int4', 'bytea'];
      await pool.query(`INSERT INTO mon_predictions (request_id, position, at, endpoint, variant, role, model, version, model_sha256, text, text_sha256, label, score,
        top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      types.map((_, c) => cols.map((row) => row[c])));
    } finally {
      await pool.end();
    }
    const store = await openPgMonitoringStore({ url, schema });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const p = await store.findByRequestId('old-150', 1);
      assert.deepEqual(p && { ...p, seq: 0 }, { ...written[301]!, seq: 0 });
      assert.equal((await store.findByRequestId('old-shadow'))!.role, 'shadow');
      assert.equal((await store.findLatestByText('hs', prediction(3).textSha256))!.at, T0 + 598 * 1000);
      assert.equal((await store.findLatestByText('hs', prediction(3).textSha256, T0 + 10_000))!.at, T0 + 8000);
      await store.appendPredictions([prediction(9000, { requestId: 'new-1' })]);
      assert.equal((await store.findByRequestId('new-1'))!.at, T0 + 9_000_000);
      const versions = (await client.query(`SELECT version FROM ${schema}.mon_schema_migrations ORDER BY version`)).rows.map((r) => r.version);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
      const indexes = (await client.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname', [schema, 'mon_predictions'])).rows.map((r) => r.indexname);
      assert.deepEqual(indexes, ['mon_predictions_endpoint_at', 'mon_predictions_pkey', 'mon_predictions_request_key', 'mon_predictions_text_key']);
    } finally {
      await store.close();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });

  test('a PostgreSQL monitoring schema at migration 5 gains the timeline windows table (migration 6) and keeps what it held', async () => {
    const schema = `mon_test_${randomBytes(5).toString('hex')}`;
    const pool = openMonitoringPool({ url, schema });
    try {
      await migrateMonitoringPg(pool, schema, schema, PG_MONITORING_MIGRATIONS.filter((m) => m.version <= 5));
      await pool.query(`INSERT INTO mon_profiles (model_sha256, model, version, profile, saved_at) VALUES ($1, 'm', '1', '{"p":1}', 0)`, ['a'.repeat(64)]);
    } finally {
      await pool.end();
    }
    const store = await openPgMonitoringStore({ url, schema });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const w = { endpoint: 'hs', widthMs: 60_000, since: T0, basis: 'b', logFirst: T0, figures: '{}', computedAt: T0 };
      await store.saveTimelineWindows([w]);
      assert.deepEqual(await store.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), [w]);
      assert.equal(await store.getProfile('a'.repeat(64)), '{"p":1}', 'what was there stays');
      const versions = (await client.query(`SELECT version FROM ${schema}.mon_schema_migrations ORDER BY version`)).rows.map((r) => r.version);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6]);
    } finally {
      await store.close();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
}
