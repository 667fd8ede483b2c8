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
import { requestKey, textKey } from '../../../src/monitoring/store/lookup-keys.js';
import { columnsFromRows, StreamNumbering, type PredictionColumns } from '../../../src/monitoring/store/prediction-columns.js';
import type { StoredPrediction } from '../../../src/monitoring/log/logged-prediction.js';
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
      assert.deepEqual(db.prepare('SELECT version FROM mon_schema_migrations ORDER BY version').all().map((r) => (r as { version: number }).version), [1, 2, 3, 4, 5, 6, 7]);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mon_predictions' AND sql IS NOT NULL").all().map((r) => (r as { name: string }).name);
      assert.deepEqual(indexes, ['mon_predictions_endpoint_at'], 'the string lookup indexes are gone');
      // Old-format rows are keyed in the B-trees; the one segment row appended after the upgrade in a run (migration 7).
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_request_keys').get() as { n: number }).n, 1201, 'every old row with a request id is in the request keys');
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_text_keys').get() as { n: number }).n, 1200, 'primary old rows only in the text keys');
      assert.deepEqual(db.prepare('SELECT kind, tuples FROM mon_key_runs ORDER BY kind').all(), [{ kind: 0, tuples: 1 }, { kind: 1, tuples: 1 }], 'the new row in one run of each kind');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a monitoring file of schema 2 (six stream strings a row) migrates to mon_streams and every row reads back the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-migrate3-'));
  const file = join(dir, 'monitoring.sqlite');
  try {
    // The file as lading wrote it before migration 3: several streams on two endpoints, interleaved.
    const old = new Database(file);
    migrateMonitoringSqlite(old, file, MONITORING_MIGRATIONS.filter((m) => m.version <= 2));
    const insert = old.prepare(`INSERT INTO mon_predictions (request_id, position, at, endpoint, variant, role, model, version, model_sha256,
      text, text_sha256, label, score, top_labels, top_scores, latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, request_key, text_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const written = rows(900, (i) => ({
      endpoint: i % 5 === 0 ? 'other' : 'hs',
      role: i % 3 === 1 ? 'shadow' : 'primary',
      variant: i % 3 === 1 ? 'challenger' : 'main',
      version: i < 450 ? '3' : '4',
      modelSha256: (i < 450 ? 'a' : 'b').repeat(64),
      at: 1_700_000_000_000 + Math.floor(i / 2) * 1000, // two rows share each time: page order must fall back to seq
      ...(i % 7 === 0 ? { text: null } : {}),
    }));
    old.transaction(() => {
      for (const r of written) {
        const s = r.stats;
        insert.run(r.requestId, r.position, r.at, r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256, r.text, r.textSha256, r.label, r.score,
          encodeTopLabels(r.topK), encodeTopScores(r.topK), r.latencyMs, s.chars, s.tokens, s.digits, s.upper, s.nonAscii, encodeTokenHashes(s.tokenHashes),
          requestKey(r.requestId, r.position), r.role === 'primary' ? textKey(r.endpoint, r.textSha256) : null);
      }
      // The newest rows were pruned: their seqs must not be handed out again after the rebuild.
      old.prepare('DELETE FROM mon_predictions WHERE seq > 880').run();
    })();
    const before = (q: string) => old.prepare(q).all();
    const oldRows = before('SELECT * FROM mon_predictions ORDER BY seq') as Record<string, unknown>[];
    old.close();
    const kept = written.slice(0, 880).map((r, i): StoredPrediction => ({ ...r, seq: i + 1 }));

    const store = openSqliteMonitoringStore(file);
    try {
      for (const endpoint of ['hs', 'other']) {
        for (const role of ['primary', 'shadow', 'any'] as const) {
          const expected = kept.filter((r) => r.endpoint === endpoint && (role === 'any' || r.role === role)).sort((a, b) => a.at - b.at || a.seq - b.seq);
          const got: StoredPrediction[] = [];
          for await (const page of store.scanPredictions({ endpoint, role }, 37)) got.push(...page);
          assert.deepEqual(got, expected, `${endpoint} ${role}: scanPredictions`);
          const cols: PredictionColumns[] = [];
          for await (const page of store.scanPredictionColumns({ endpoint, role }, 41)) cols.push(page);
          const want = new StreamNumbering();
          const wanted = columnsFromRows(expected, want);
          const flat = cols.flatMap((c) => Array.from(c.stream, (k) => c.streams[k]!));
          assert.deepEqual(flat, Array.from(wanted.stream, (k) => want.streams[k]!), `${endpoint} ${role}: column streams`);
          assert.deepEqual(cols.flatMap((c) => [...c.seq]), [...wanted.seq], `${endpoint} ${role}: column order`);
          assert.deepEqual(cols.flatMap((c) => c.text), wanted.text);
          assert.equal(await store.countPredictions({ endpoint, role }), expected.length);
        }
        const sha = 'b'.repeat(64);
        assert.equal(await store.countPredictions({ endpoint, role: 'any', modelSha256: sha, variant: 'challenger' }),
          kept.filter((r) => r.endpoint === endpoint && r.modelSha256 === sha && r.variant === 'challenger').length);
      }
      assert.deepEqual(await store.findByRequestId('req-301'), kept[301]);
      assert.deepEqual(await store.findLatestByText('hs', kept[3]!.textSha256), [...kept].reverse().find((r) => r.endpoint === 'hs' && r.role === 'primary' && r.textSha256 === kept[3]!.textSha256));
      assert.deepEqual((await store.listLoggedEndpoints()).map((e) => [e.endpoint, e.rows]), [['hs', kept.filter((r) => r.endpoint === 'hs').length], ['other', 176]]);
      await store.appendPredictions([prediction(5000, { requestId: 'after' }), prediction(5001, { requestId: 'after-new-stream', version: '9' })]);
      assert.equal((await store.findByRequestId('after'))!.seq, 901, 'a seq of a pruned row is not reused');
      assert.equal((await store.findByRequestId('after-new-stream'))!.version, '9');
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM mon_schema_migrations ORDER BY version').all().map((r) => (r as { version: number }).version), [1, 2, 3, 4, 5, 6, 7]);
      const cols = db.prepare("SELECT name FROM pragma_table_info('mon_predictions')").all().map((r) => (r as { name: string }).name);
      for (const gone of ['variant', 'role', 'model', 'version', 'model_sha256']) assert.ok(!cols.includes(gone), `${gone} moved to mon_streams`);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM mon_streams').get() as { n: number }).n, 2 * 2 * 2 + 1);
      const now = db.prepare(`SELECT p.*, s.variant, s.role, s.model, s.version, s.model_sha256 FROM mon_predictions p JOIN mon_streams s USING (stream_id)
        WHERE p.seq <= 880 ORDER BY p.seq`).all() as Record<string, unknown>[];
      assert.equal(now.length, oldRows.length);
      for (let i = 0; i < now.length; i++) {
        const { stream_id: _, ...rest } = now[i]!;
        assert.deepEqual(rest, oldRows[i], `row ${i + 1}`);
      }
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mon_predictions' AND sql IS NOT NULL").all().map((r) => (r as { name: string }).name);
      assert.deepEqual(indexes, ['mon_predictions_endpoint_at']);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a monitoring file of schema 5 gains the timeline windows table (migration 6) and keeps its log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-migrate6-'));
  const file = join(dir, 'monitoring.sqlite');
  try {
    const old = new Database(file);
    migrateMonitoringSqlite(old, file, MONITORING_MIGRATIONS.filter((m) => m.version <= 5));
    old.exec(`INSERT INTO mon_profiles (model_sha256, model, version, profile, saved_at) VALUES ('${'a'.repeat(64)}', 'm', '1', '{"p":1}', 0)`);
    old.close();
    const store = openSqliteMonitoringStore(file);
    try {
      await store.appendPredictions(rows(3));
      const w = { endpoint: 'hs', widthMs: 60_000, since: T0, basis: 'b', logFirst: T0, figures: '{}', computedAt: T0 };
      await store.saveTimelineWindows([w]);
      assert.deepEqual(await store.listTimelineWindows({ endpoint: 'hs', widthMs: 60_000 }), [w]);
      assert.equal(await store.countPredictions({ endpoint: 'hs' }), 3);
      assert.equal(await store.getProfile('a'.repeat(64)), '{"p":1}', 'what was there stays');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
