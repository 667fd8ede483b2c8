import type Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../../registry/sqlite/connection.js';
import type { NewRelease, ReleaseEvent, ReleaseRecord, ReleaseStore, ReleaseUpdate } from '../release-record.js';
import { ACTIVE_RELEASE as ACTIVE, createdEvent, recordFromRow, releaseChanged, releaseInProgress, unknownRelease, updateColumns, type ReleaseEventRow, type ReleaseRow as Row } from '../release-row.js';
import { RELEASE_MIGRATIONS } from './schema.js';

export function openSqliteReleaseDatabase(file: string): Database.Database {
  return openSqliteDatabase(file, RELEASE_MIGRATIONS);
}

/** ReleaseStore on the controller's SQLite file; every write is one immediate transaction. */
export class SqliteReleaseStore implements ReleaseStore {
  constructor(private readonly db: Database.Database, private readonly ownsDb = true) {}

  async create(r: NewRelease, now: number): Promise<ReleaseRecord> {
    const id = this.db.transaction(() => {
      const open = this.db.prepare(`SELECT id FROM releases WHERE endpoint = ? AND ${ACTIVE}`).get(r.endpoint) as { id: number } | undefined;
      if (open) {
        throw releaseInProgress(r.endpoint, open.id);
      }
      const info = this.db.prepare(`INSERT INTO releases (endpoint, pipeline, challenger, champion, base_spec, base_revision, plan, status, step, step_since, since,
        revision, intent, reason, approved_by, started_at, updated_at, rev) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', -1, ?, ?, ?, NULL, ?, NULL, ?, ?, 1)`)
        .run(r.endpoint, r.pipeline, r.challenger, r.champion, JSON.stringify(r.baseSpec), r.baseRevision, JSON.stringify(r.plan), now, now, r.baseRevision, r.reason, now, now);
      const newId = Number(info.lastInsertRowid);
      this.insertEvent(newId, createdEvent(r, now));
      return newId;
    }).immediate();
    return this.mustGet(id);
  }

  async get(id: number): Promise<ReleaseRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM releases WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toRecord(row) : undefined;
  }

  async active(endpoint: string): Promise<ReleaseRecord | undefined> {
    const row = this.db.prepare(`SELECT * FROM releases WHERE endpoint = ? AND ${ACTIVE}`).get(endpoint) as Row | undefined;
    return row ? this.toRecord(row) : undefined;
  }

  async listActive(): Promise<ReleaseRecord[]> {
    return (this.db.prepare(`SELECT * FROM releases WHERE ${ACTIVE} ORDER BY id`).all() as Row[]).map((r) => this.toRecord(r));
  }

  async list(endpoint?: string, limit = 50): Promise<ReleaseRecord[]> {
    const rows = endpoint === undefined
      ? this.db.prepare('SELECT * FROM releases ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT * FROM releases WHERE endpoint = ? ORDER BY id DESC LIMIT ?').all(endpoint, limit);
    return (rows as Row[]).map((r) => this.toRecord(r));
  }

  async update(id: number, rev: number, change: ReleaseUpdate, event: ReleaseEvent | null, now: number): Promise<ReleaseRecord> {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT rev FROM releases WHERE id = ?').get(id) as { rev: number } | undefined;
      if (!row) throw unknownRelease(id);
      if (row.rev !== rev) throw releaseChanged(id, row.rev, rev);
      const columns = updateColumns(change, rev, now);
      this.db.prepare(`UPDATE releases SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...columns.map(([, v]) => v), id);
      if (event) this.insertEvent(id, event);
    }).immediate();
    return this.mustGet(id);
  }

  async close(): Promise<void> {
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private insertEvent(id: number, e: ReleaseEvent): void {
    const n = (this.db.prepare('SELECT COALESCE(MAX(n), 0) + 1 AS n FROM release_events WHERE release_id = ?').get(id) as { n: number }).n;
    this.db.prepare('INSERT INTO release_events (release_id, n, at, what, revision) VALUES (?, ?, ?, ?, ?)').run(id, n, e.at, e.what, e.revision ?? null);
  }

  private async mustGet(id: number): Promise<ReleaseRecord> {
    const r = await this.get(id);
    if (!r) throw unknownRelease(id);
    return r;
  }

  private toRecord(row: Row): ReleaseRecord {
    return recordFromRow(row, this.db.prepare('SELECT at, what, revision FROM release_events WHERE release_id = ? ORDER BY n').all(row.id) as ReleaseEventRow[]);
  }
}
