import type pg from 'pg';
import { inTransaction, openPgPool } from '../../registry/postgres/connection.js';
import { migratePg } from '../../registry/postgres/migrate.js';
import type { FeatureViewSpec } from '../feature-spec.js';
import type { FeatureValue } from '../feature-values.js';
import type { ApplyResult, FeatureAuditEntry, HistoryPage, IngestBatch, IngestResult, OfflineStore, StoredView } from '../offline-store.js';
import { checkBatch, featureColumn, historyColumns, historyTable, planView, reviveSpec, specJson, unknownView } from '../view-versions.js';
import { FEATURE_MIGRATIONS_PG, PG_READ, PG_TYPES } from './feature-schema.js';

/** pg_advisory_xact_lock class of the feature store's writes (registry 0x1ad1, monitoring 0x1ad2, pipelines 0x1ad3). */
const LOCK_CLASS = 0x1ad5;
/** Rows per INSERT ... SELECT FROM unnest(...): one round trip each, well inside PostgreSQL's parameter limits (one array per column). */
const INSERT_ROWS = 20_000;

interface ViewRow { name: string; version: number; spec: string; sha256: string; created_at: string; created_by: string; reason: string | null }
type Db = pg.Pool | pg.PoolClient;

/** The offline store as fs_* tables (and fv_<view> history tables) in the registry's PostgreSQL schema. */
export async function openPgOfflineStore(options: { readonly url: string; readonly schema: string }): Promise<OfflineStore> {
  const pool = openPgPool({ url: options.url, schema: options.schema, maxConnections: 3 });
  pool.on('error', () => undefined);
  try {
    await migratePg(pool, options.schema, FEATURE_MIGRATIONS_PG, 'fs_schema_migrations');
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PgOfflineStore(pool);
}

const toView = (r: ViewRow): StoredView => ({
  name: r.name, version: r.version, spec: reviveSpec(JSON.parse(r.spec) as FeatureViewSpec), sha256: r.sha256, createdAt: r.created_at, createdBy: r.created_by, reason: r.reason,
});

class PgOfflineStore implements OfflineStore {
  constructor(private readonly pool: pg.Pool) {}

  private async versions(db: Db, name: string): Promise<StoredView[]> {
    return (await db.query<ViewRow>('SELECT * FROM fs_views WHERE name = $1 ORDER BY version', [name])).rows.map(toView);
  }

  private async names(db: Db): Promise<string[]> {
    return (await db.query<{ name: string }>('SELECT DISTINCT name FROM fs_views ORDER BY name')).rows.map((r) => r.name);
  }

  private async latest(db: Db, name: string): Promise<StoredView> {
    const all = await this.versions(db, name);
    if (all.length === 0) throw unknownView(name, await this.names(db));
    return all[all.length - 1]!;
  }

  private async audit(db: Db, actor: string, action: FeatureAuditEntry['action'], view: string, version: number, detail: string): Promise<void> {
    await db.query('INSERT INTO fs_audit (at, actor, action, view, version, detail) VALUES ($1, $2, $3, $4, $5, $6)', [new Date().toISOString(), actor, action, view, version, detail]);
  }

  async apply(views: readonly FeatureViewSpec[], actor: string, reason?: string): Promise<ApplyResult[]> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
      const out: ApplyResult[] = [];
      for (const spec of views) {
        const before = await this.versions(c, spec.name);
        const plan = planView(spec, before[before.length - 1]);
        if (plan.change === 'unchanged') { out.push({ view: before[before.length - 1]!, change: 'unchanged' }); continue; }
        const row: ViewRow = { name: spec.name, version: plan.version, spec: specJson(spec), sha256: plan.sha256, created_at: new Date().toISOString(), created_by: actor, reason: reason ?? null };
        await c.query('INSERT INTO fs_views (name, version, spec, sha256, created_at, created_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [row.name, row.version, row.spec, row.sha256, row.created_at, row.created_by, row.reason]);
        const table = historyTable(spec.name);
        if (plan.change === 'created') {
          await c.query(`CREATE TABLE ${table} (entity_id integer NOT NULL, ts bigint NOT NULL, seq bigint NOT NULL, PRIMARY KEY (entity_id, ts, seq))`);
          await c.query('INSERT INTO fs_sequence (view, next_seq) VALUES ($1, 1)', [spec.name]);
        }
        const had = historyColumns(before);
        for (const f of plan.newFeatures) if (!had.has(f.name)) await c.query(`ALTER TABLE ${table} ADD COLUMN ${featureColumn(f.name)} ${PG_TYPES[f.type]}`);
        await this.audit(c, actor, 'apply', spec.name, plan.version, `${plan.change}${reason ? `: ${reason}` : ''}`);
        out.push({ view: toView(row), change: plan.change });
      }
      return out;
    });
  }

  async listViews(): Promise<StoredView[]> {
    return (await this.pool.query<ViewRow>('SELECT v.* FROM fs_views v WHERE v.version = (SELECT max(version) FROM fs_views w WHERE w.name = v.name) ORDER BY v.name')).rows.map(toView);
  }

  async getView(name: string, version?: number): Promise<StoredView> {
    if (version === undefined) return this.latest(this.pool, name);
    const row = (await this.pool.query<ViewRow>('SELECT * FROM fs_views WHERE name = $1 AND version = $2', [name, version])).rows[0];
    if (row === undefined) {
      const names = await this.names(this.pool);
      throw unknownView(name, names, names.includes(name) ? version : undefined);
    }
    return toView(row);
  }

  async ingest(viewName: string, batch: IngestBatch, actor: string): Promise<IngestResult> {
    return inTransaction(this.pool, async (c) => {
      const view = await this.latest(c, viewName);
      checkBatch(view, batch);
      // One ingest of a view at a time: ids and sequence numbers are handed out under the lock.
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, `view:${viewName}`]);
      const { ids, added } = await this.assignIds(c, view.spec.entity.name, batch.entityKeys);
      const types = new Map(view.spec.features.map((f) => [f.name, f.type]));
      const start = Number((await c.query<{ next_seq: string }>('SELECT next_seq FROM fs_sequence WHERE view = $1', [viewName])).rows[0]!.next_seq);
      const n = batch.entityKeys.length;
      const cols = batch.features.map(featureColumn);
      const casts = batch.features.map((f) => `${PG_TYPES[types.get(f)!]}[]`);
      const sql = `INSERT INTO ${historyTable(viewName)} (entity_id, ts, seq${cols.map((c) => `, ${c}`).join('')})
        SELECT * FROM unnest($1::integer[], $2::bigint[], $3::bigint[]${casts.map((t, i) => `, $${i + 4}::${t}`).join('')})`;
      for (let from = 0; from < n; from += INSERT_ROWS) {
        const to = Math.min(n, from + INSERT_ROWS);
        const seqs = Array.from({ length: to - from }, (_, i) => start + from + i);
        await c.query(sql, [Array.from(ids.subarray(from, to)), Array.from(batch.times.subarray(from, to)), seqs, ...batch.values.map((v) => v.slice(from, to))]);
      }
      await c.query('UPDATE fs_sequence SET next_seq = $1 WHERE view = $2', [start + n, viewName]);
      await this.audit(c, actor, 'ingest', viewName, view.version, `${n} rows from ${batch.source}`);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const t of batch.times) { if (t < lo) lo = t; if (t > hi) hi = t; }
      return { view: viewName, version: view.version, rows: n, newEntities: added, from: n > 0 ? lo : 0, to: n > 0 ? hi : 0 };
    });
  }

  private async assignIds(c: pg.PoolClient, entity: string, keys: readonly string[]): Promise<{ ids: Int32Array; added: number }> {
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, `entity:${entity}`]);
    const distinct = [...new Set(keys)];
    const known = new Map((await c.query<{ key: string; id: number }>('SELECT key, id FROM fs_entities WHERE entity = $1 AND key = ANY($2::text[])', [entity, distinct])).rows.map((r) => [r.key, r.id]));
    let next = Number((await c.query<{ m: number }>('SELECT coalesce(max(id), 0) AS m FROM fs_entities WHERE entity = $1', [entity])).rows[0]!.m) + 1;
    const fresh = distinct.filter((k) => !known.has(k));
    for (const k of fresh) known.set(k, next++);
    for (let i = 0; i < fresh.length; i += INSERT_ROWS) {
      const part = fresh.slice(i, i + INSERT_ROWS);
      await c.query('INSERT INTO fs_entities (entity, key, id) SELECT $1, * FROM unnest($2::text[], $3::integer[])', [entity, part, part.map((k) => known.get(k)!)]);
    }
    return { ids: Int32Array.from(keys, (k) => known.get(k)!), added: fresh.length };
  }

  async entityIds(entity: string, keys: readonly string[]): Promise<Int32Array> {
    const distinct = [...new Set(keys)];
    const known = new Map((await this.pool.query<{ key: string; id: number }>('SELECT key, id FROM fs_entities WHERE entity = $1 AND key = ANY($2::text[])', [entity, distinct])).rows.map((r) => [r.key, r.id]));
    return Int32Array.from(keys, (k) => known.get(k) ?? -1);
  }

  async scanHistory(viewName: string, features: readonly string[], onPage: (page: HistoryPage) => void, pageRows = 65_536): Promise<void> {
    const types = historyColumns(await this.versions(this.pool, viewName));
    if (types.size === 0) throw unknownView(viewName, await this.names(this.pool));
    const reads = features.map((f) => {
      const t = types.get(f);
      if (t === undefined) throw unknownView(`${viewName}:${f}`, [...types.keys()].map((k) => `${viewName}:${k}`));
      return `${featureColumn(f)}${PG_READ[t]}`;
    });
    const select = `SELECT entity_id, ts::float8, seq::float8${reads.map((r) => `, ${r}`).join('')} FROM ${historyTable(viewName)}`;
    // Keyset pages in primary-key order: each page is one index range scan, whatever the table's size.
    let after: [number, number, number] | undefined;
    for (;;) {
      const res = await this.pool.query<unknown[]>({
        text: `${select}${after ? ' WHERE (entity_id, ts, seq) > ($1, $2, $3)' : ''} ORDER BY entity_id, ts, seq LIMIT ${pageRows}`,
        values: after ?? [], rowMode: 'array',
      });
      const rows = res.rows;
      if (rows.length === 0) return;
      const page = { size: rows.length, entityIds: new Int32Array(rows.length), times: new Float64Array(rows.length), values: features.map(() => new Array<FeatureValue>(rows.length)) };
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        page.entityIds[r] = row[0] as number;
        page.times[r] = row[1] as number;
        for (let f = 0; f < features.length; f++) page.values[f]![r] = row[3 + f] as FeatureValue;
      }
      onPage(page);
      const last = rows[rows.length - 1]!;
      after = [last[0] as number, last[1] as number, last[2] as number];
      if (rows.length < pageRows) return;
    }
  }

  async auditLog(view?: string): Promise<FeatureAuditEntry[]> {
    const res = view === undefined ? await this.pool.query<FeatureAuditEntry & { id: string }>('SELECT * FROM fs_audit ORDER BY id')
      : await this.pool.query<FeatureAuditEntry & { id: string }>('SELECT * FROM fs_audit WHERE view = $1 ORDER BY id', [view]);
    return res.rows.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, action: r.action, view: r.view, version: r.version, detail: r.detail }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
