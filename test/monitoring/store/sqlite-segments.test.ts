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
import { columnsFromRows, StreamNumbering } from '../../../src/monitoring/store/prediction-columns.js';
import type { LoggedPrediction, StoredPrediction } from '../../../src/monitoring/log/logged-prediction.js';
import type { LogQuery, MonitoringStore } from '../../../src/monitoring/store/monitoring-store.js';
import { rows } from './fixtures.js';

const T0 = 1_700_000_000_000;

/** A file as lading wrote it before migration 4: `old` rows in mon_predictions, one row each. */
function schema3File(file: string, old: readonly LoggedPrediction[]): void {
  const db = new Database(file);
  migrateMonitoringSqlite(db, file, MONITORING_MIGRATIONS.filter((m) => m.version <= 3));
  const stream = db.prepare('INSERT OR IGNORE INTO mon_streams (endpoint, variant, role, model, version, model_sha256) VALUES (?, ?, ?, ?, ?, ?)');
  const idOf = db.prepare('SELECT stream_id FROM mon_streams WHERE endpoint = ? AND variant = ? AND role = ? AND model = ? AND version = ? AND model_sha256 = ?');
  const insert = db.prepare(`INSERT INTO mon_predictions (request_id, position, at, endpoint, stream_id, text, text_sha256, label, score, top_labels, top_scores,
    latency_ms, chars, tokens, digits, upper, non_ascii, token_hashes, request_key, text_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const r of old) {
      const parts = [r.endpoint, r.variant, r.role, r.model, r.version, r.modelSha256];
      stream.run(...parts);
      const id = (idOf.get(...parts) as { stream_id: number }).stream_id;
      const s = r.stats;
      insert.run(r.requestId, r.position, r.at, r.endpoint, id, r.text, r.textSha256, r.label, r.score, encodeTopLabels(r.topK), encodeTopScores(r.topK),
        r.latencyMs, s.chars, s.tokens, s.digits, s.upper, s.nonAscii, encodeTokenHashes(s.tokenHashes), requestKey(r.requestId, r.position),
        r.role === 'primary' ? textKey(r.endpoint, r.textSha256) : null);
    }
  })();
  db.close();
}

async function scan(store: MonitoringStore, q: LogQuery, pageSize = 7): Promise<StoredPrediction[]> {
  const out: StoredPrediction[] = [];
  for await (const page of store.scanPredictions(q, pageSize)) out.push(...page);
  return out;
}

const inOrder = (rs: readonly StoredPrediction[]) => [...rs].sort((a, b) => a.at - b.at || a.seq - b.seq);

test('a log of old rows and segments reads as one: scans merge both in (at, seq) order, `last`, counts, lookups and retention span both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-segments-'));
  const file = join(dir, 'monitoring.sqlite');
  try {
    // Old rows at even seconds 0..58 (a shadow stream among them), new segments at odd seconds, in
    // batches of 10 appended out of time order, one batch holding two endpoints and a shadow stream.
    const old = rows(30, (i) => ({ at: T0 + i * 2000, requestId: `old-${i}`, ...(i % 5 === 4 ? { role: 'shadow' as const, variant: 'canary' } : {}) }));
    schema3File(file, old);
    const store = openSqliteMonitoringStore(file);
    try {
      const batches = [2, 0, 1].map((b) => rows(10, (i) => ({ at: T0 + i * 2000 + 1000, requestId: `new-${i}`,
        ...(i % 4 === 3 ? { role: 'shadow' as const, variant: 'canary' } : {}), ...(i === 14 ? { endpoint: 'other' } : {}) }), b * 10));
      for (const batch of batches) await store.appendPredictions(batch);
      const oldStored = old.map((r, i): StoredPrediction => ({ ...r, seq: i + 1 }));
      const all = await scan(store, { endpoint: 'hs', role: 'any' });
      assert.equal(all.length, 30 + 29);
      assert.deepEqual(all.map((r) => r.at), inOrder(all).map((r) => r.at), 'merged in time order');
      assert.deepEqual(all.filter((r) => r.requestId.startsWith('old-')), oldStored, 'old rows read back whole, with their seqs');
      const fresh = all.filter((r) => r.requestId.startsWith('new-'));
      assert.ok(fresh.every((r) => r.seq > 30), 'new rows get seqs above every old one');
      const { seq: _s, ...first } = fresh.find((r) => r.requestId === 'new-0')!;
      assert.deepEqual(first, batches[1]![0]);

      for (const q of [{ endpoint: 'hs' }, { endpoint: 'hs', role: 'shadow' as const }, { endpoint: 'hs', since: T0 + 9000, until: T0 + 41_000 },
        { endpoint: 'hs', last: 10 }, { endpoint: 'hs', last: 23, role: 'any' as const }, { endpoint: 'hs', variant: 'canary', last: 3 }, { endpoint: 'other' }]) {
        const role = q.role ?? 'primary';
        let want = inOrder(all.filter((r) => (role === 'any' || r.role === role) && (q.variant === undefined || r.variant === q.variant)
          && r.at >= (q.since ?? -Infinity) && r.at < (q.until ?? Infinity)));
        if (q.endpoint === 'other') want = [{ ...batches[2]![4]!, seq: 0 }];
        if (q.last !== undefined) want = want.slice(-q.last);
        const got = await scan(store, q, 4);
        assert.deepEqual(got.map((r) => r.requestId), want.map((r) => r.requestId), JSON.stringify(q));
        assert.equal(await store.countPredictions(q), want.length, `count ${JSON.stringify(q)}`);
        const numbering = new StreamNumbering();
        const expected = columnsFromRows(got, numbering);
        const seqs: number[] = [];
        const texts: (string | null)[] = [];
        for await (const page of store.scanPredictionColumns(q, 3)) { seqs.push(...page.seq); texts.push(...page.text); }
        assert.deepEqual(seqs, [...expected.seq], `columns ${JSON.stringify(q)}`);
        assert.deepEqual(texts, expected.text);
      }

      assert.equal((await store.findByRequestId('old-7'))!.seq, 8);
      assert.equal((await store.findByRequestId('new-7'))!.role, 'shadow');
      assert.equal((await store.findByRequestId('new-14'))!.endpoint, 'other');
      const sha = old[0]!.textSha256;
      assert.equal((await store.findLatestByText('hs', sha))!.requestId, inOrder(all.filter((r) => r.role === 'primary' && r.textSha256 === sha)).at(-1)!.requestId);
      assert.equal((await store.findLatestByText('hs', sha, T0 + 999))!.requestId, 'old-0');
      assert.deepEqual((await store.listLoggedEndpoints()).map((e) => [e.endpoint, e.rows, e.first - T0]), [['hs', 59, 0], ['other', 1, 29_000]]);

      // Age: everything before 24.5 s goes: old rows 0..12, new rows 0..11 (one segment whole, one partly).
      assert.equal(await store.prunePredictions({ now: T0 + 30_000, maxAgeMs: 5_500 }), 13 + 12);
      assert.equal(await store.countPredictions({ endpoint: 'hs', role: 'any' }), 34);
      // Rows: the oldest seqs first: the 17 old rows left, then the first-appended segment's (rows 20..29) 6 leading rows.
      assert.equal(await store.prunePredictions({ now: T0, maxRows: 12 }), 35 - 12);
      const kept = await scan(store, { endpoint: 'hs', role: 'any' });
      assert.equal(kept.length + (await scan(store, { endpoint: 'other' })).length, 12);
      assert.ok(kept.every((r) => r.requestId.startsWith('new-')));
      assert.equal(await store.findByRequestId('old-25'), undefined, 'a pruned old row is not found');
      assert.equal(await store.findByRequestId('new-20'), undefined, 'a pruned segment row is not found');
      assert.equal((await store.findByRequestId('new-29'))!.at, T0 + 59_000);
      await store.appendPredictions(rows(1, () => ({ requestId: 'after' }), 90));
      assert.ok((await store.findByRequestId('after'))!.seq > 59, 'seqs are never reused');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the newest `last` rows when they fill whole segments exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-mon-segments-last-'));
  const store = openSqliteMonitoringStore(join(dir, 'monitoring.sqlite'));
  try {
    for (let b = 0; b < 6; b++) await store.appendPredictions(rows(40, (i) => ({ requestId: `r-${i}` }), b * 40));
    for (const last of [40, 80, 120, 239, 240, 241]) {
      const got = await scan(store, { endpoint: 'hs', last }, 50);
      assert.deepEqual(got.map((r) => r.seq), Array.from({ length: Math.min(last, 240) }, (_, i) => 240 - Math.min(last, 240) + i + 1), `last ${last}`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
