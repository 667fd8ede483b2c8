import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../../core/errors.js';
import { openSqliteDatabase } from '../../../registry/sqlite/connection.js';
import type { NewRelease, ReleaseEvent, ReleaseRecord, ReleaseStore, ReleaseUpdate } from '../release-record.js';
import { RELEASE_MIGRATIONS } from './schema.js';

interface Row {
  id: number; endpoint: string; pipeline: string | null; challenger: string; champion: string; base_spec: string; base_revision: number;
  plan: string; status: string; step: number; step_since: number; since: number; revision: number; intent: string | null; reason: string;
  approved_by: string | null; started_at: number; updated_at: number; rev: number;
}

const ACTIVE = `status IN ('running', 'awaiting-approval')`;

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
        throw new ConflictError('release-in-progress', `endpoint ${r.endpoint} already has release ${open.id} in progress`, { endpoint: r.endpoint, release: open.id },
          `Wait for it, or stop it: \`lading experiment stop ${r.endpoint}\`.`);
      }
      const info = this.db.prepare(`INSERT INTO releases (endpoint, pipeline, challenger, champion, base_spec, base_revision, plan, status, step, step_since, since,
        revision, intent, reason, approved_by, started_at, updated_at, rev) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', -1, ?, ?, ?, NULL, ?, NULL, ?, ?, 1)`)
        .run(r.endpoint, r.pipeline, r.challenger, r.champion, JSON.stringify(r.baseSpec), r.baseRevision, JSON.stringify(r.plan), now, now, r.baseRevision, r.reason, now, now);
      const newId = Number(info.lastInsertRowid);
      this.insertEvent(newId, { at: now, what: `release of ${r.challenger} against ${r.champion} on ${r.endpoint} created: ${r.reason}` });
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
      if (!row) throw new NotFoundError('unknown-release', `no release ${id}`, { release: id });
      if (row.rev !== rev) {
        throw new ConflictError('release-changed', `release ${id} changed meanwhile (now at ${row.rev}, this change was made from ${rev})`, { release: id, rev: row.rev, expected: rev });
      }
      const sets: string[] = [];
      const values: unknown[] = [];
      const put = (column: string, value: unknown) => { sets.push(`${column} = ?`); values.push(value); };
      if (change.status !== undefined) put('status', change.status);
      if (change.step !== undefined) put('step', change.step);
      if (change.stepSince !== undefined) put('step_since', change.stepSince);
      if (change.since !== undefined) put('since', change.since);
      if (change.revision !== undefined) put('revision', change.revision);
      if (change.intent !== undefined) put('intent', change.intent === null ? null : JSON.stringify(change.intent));
      if (change.reason !== undefined) put('reason', change.reason);
      if (change.approvedBy !== undefined) put('approved_by', change.approvedBy);
      put('updated_at', now);
      put('rev', rev + 1);
      this.db.prepare(`UPDATE releases SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
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
    if (!r) throw new NotFoundError('unknown-release', `no release ${id}`, { release: id });
    return r;
  }

  private toRecord(row: Row): ReleaseRecord {
    const events = (this.db.prepare('SELECT at, what, revision FROM release_events WHERE release_id = ? ORDER BY n').all(row.id) as Array<{ at: number; what: string; revision: number | null }>)
      .map((e) => ({ at: e.at, what: e.what, revision: e.revision ?? undefined }));
    return {
      id: row.id, endpoint: row.endpoint, pipeline: row.pipeline, challenger: row.challenger, champion: row.champion,
      baseSpec: JSON.parse(row.base_spec), baseRevision: row.base_revision, plan: JSON.parse(row.plan),
      status: row.status as ReleaseRecord['status'], step: row.step, stepSince: row.step_since, since: row.since, revision: row.revision,
      intent: row.intent === null ? null : JSON.parse(row.intent), reason: row.reason, approvedBy: row.approved_by,
      startedAt: row.started_at, updatedAt: row.updated_at, rev: row.rev, events,
    };
  }
}
