import type pg from 'pg';
import { checkSchemaName, inTransaction, openPgPool } from '../../../registry/postgres/connection.js';
import type { NewRelease, ReleaseEvent, ReleaseRecord, ReleaseStore, ReleaseUpdate } from '../release-record.js';
import { ACTIVE_RELEASE, createdEvent, recordFromRow, releaseChanged, releaseInProgress, unknownRelease, updateColumns, type ReleaseEventRow, type ReleaseRow } from '../release-row.js';
import { migrateReleasesPg } from './schema.js';

/** Opens a pool on the registry's database and schema and applies pending release migrations. */
export async function openPgReleaseStore(options: { readonly url: string; readonly schema: string }): Promise<PgReleaseStore> {
  const schema = checkSchemaName(options.schema);
  const pool = openPgPool({ url: options.url, schema, maxConnections: 3 });
  // An idle client's error (server restart) must not crash the controller; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrateReleasesPg(client, schema);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PgReleaseStore(pool);
}

/**
 * ReleaseStore as lc_* tables in the registry's schema, so controllers on several machines share
 * one set of releases. Behaves as the SQLite one: each write is one transaction; an update locks
 * the row (FOR UPDATE) before comparing rev, so of two concurrent updates from one rev exactly one
 * lands; two concurrent creates on one endpoint meet at the partial unique index.
 */
export class PgReleaseStore implements ReleaseStore {
  private closed: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async create(r: NewRelease, now: number): Promise<ReleaseRecord> {
    let id: number;
    try {
      id = await inTransaction(this.pool, async (c) => {
        const open = await c.query<{ id: number }>(`SELECT id FROM lc_releases WHERE endpoint = $1 AND ${ACTIVE_RELEASE}`, [r.endpoint]);
        if (open.rows[0]) throw releaseInProgress(r.endpoint, open.rows[0].id);
        const inserted = await c.query<{ id: number }>(`INSERT INTO lc_releases (endpoint, pipeline, challenger, champion, base_spec, base_revision, plan, status, step,
          step_since, since, revision, intent, reason, approved_by, started_at, updated_at, rev)
          VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', -1, $8, $8, $6, NULL, $9, NULL, $8, $8, 1) RETURNING id`,
          [r.endpoint, r.pipeline, r.challenger, r.champion, JSON.stringify(r.baseSpec), r.baseRevision, JSON.stringify(r.plan), now, r.reason]);
        const newId = inserted.rows[0]!.id;
        await insertEvent(c, newId, createdEvent(r, now));
        return newId;
      });
    } catch (e) {
      // The other create committed between our check and our insert: report its release, as the check would have.
      if ((e as { code?: string }).code === '23505' && (e as { constraint?: string }).constraint === 'lc_releases_one_active') {
        const other = await this.active(r.endpoint);
        throw releaseInProgress(r.endpoint, other?.id ?? -1);
      }
      throw e;
    }
    return this.mustGet(id);
  }

  async get(id: number): Promise<ReleaseRecord | undefined> {
    return (await this.select('WHERE id = $1', [id]))[0];
  }

  async active(endpoint: string): Promise<ReleaseRecord | undefined> {
    return (await this.select(`WHERE endpoint = $1 AND ${ACTIVE_RELEASE}`, [endpoint]))[0];
  }

  listActive(): Promise<ReleaseRecord[]> {
    return this.select(`WHERE ${ACTIVE_RELEASE} ORDER BY id`, []);
  }

  list(endpoint?: string, limit = 50): Promise<ReleaseRecord[]> {
    return endpoint === undefined
      ? this.select('ORDER BY id DESC LIMIT $1', [limit])
      : this.select('WHERE endpoint = $1 ORDER BY id DESC LIMIT $2', [endpoint, limit]);
  }

  async update(id: number, rev: number, change: ReleaseUpdate, event: ReleaseEvent | null, now: number): Promise<ReleaseRecord> {
    await inTransaction(this.pool, async (c) => {
      const row = (await c.query<{ rev: number }>('SELECT rev FROM lc_releases WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!row) throw unknownRelease(id);
      if (row.rev !== rev) throw releaseChanged(id, row.rev, rev);
      const columns = updateColumns(change, rev, now);
      await c.query(`UPDATE lc_releases SET ${columns.map(([col], i) => `${col} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1}`,
        [...columns.map(([, v]) => v), id]);
      if (event) await insertEvent(c, id, event);
    });
    return this.mustGet(id);
  }

  close(): Promise<void> {
    return (this.closed ??= this.pool.end());
  }

  /** Rows and their events in two queries, whatever the number of releases. */
  private async select(where: string, values: unknown[]): Promise<ReleaseRecord[]> {
    const rows = (await this.pool.query<ReleaseRow>(`SELECT * FROM lc_releases ${where}`, values)).rows;
    if (rows.length === 0) return [];
    const events = await this.pool.query<ReleaseEventRow & { release_id: number }>(
      'SELECT release_id, at, what, revision FROM lc_release_events WHERE release_id = ANY($1) ORDER BY release_id, n', [rows.map((r) => r.id)]);
    const byRelease = new Map<number, ReleaseEventRow[]>();
    for (const e of events.rows) {
      const list = byRelease.get(e.release_id) ?? [];
      list.push(e);
      byRelease.set(e.release_id, list);
    }
    return rows.map((r) => recordFromRow(r, byRelease.get(r.id) ?? []));
  }

  private async mustGet(id: number): Promise<ReleaseRecord> {
    const r = await this.get(id);
    if (!r) throw unknownRelease(id);
    return r;
  }
}

/** The next number in the release's story; the caller holds the release's row (create or FOR UPDATE). */
async function insertEvent(c: pg.ClientBase, id: number, e: ReleaseEvent): Promise<void> {
  await c.query(`INSERT INTO lc_release_events (release_id, n, at, what, revision)
    SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4 FROM lc_release_events WHERE release_id = $1`, [id, e.at, e.what, e.revision ?? null]);
}
