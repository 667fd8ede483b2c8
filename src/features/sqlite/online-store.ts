import type Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../registry/sqlite/connection.js';
import { decodeOnline, encodeOnline, type OnlineRow, type OnlineStore, type OnlineValues } from '../online-store.js';

const ONLINE_MIGRATIONS = [{
  version: 1,
  sql: 'CREATE TABLE os_values (view TEXT NOT NULL, entity_key TEXT NOT NULL, ts INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (view, entity_key)) WITHOUT ROWID;',
}];

/**
 * The embedded online store: a SQLite file of its own (<home>/online.sqlite), one row per (view,
 * entity). A lookup is a primary-key read of a few microseconds, in the reading process, with no
 * service to run; WAL lets a materialization write while servers read.
 */
export function openSqliteOnlineStore(file: string): OnlineStore {
  return new SqliteOnlineStore(openSqliteDatabase(file, ONLINE_MIGRATIONS));
}

class SqliteOnlineStore implements OnlineStore {
  private readonly upsert: Database.Statement;
  private readonly get: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(`INSERT INTO os_values (view, entity_key, ts, doc) VALUES (?, ?, ?, ?)
      ON CONFLICT (view, entity_key) DO UPDATE SET ts = excluded.ts, doc = excluded.doc WHERE excluded.ts >= os_values.ts`);
    this.get = db.prepare('SELECT doc FROM os_values WHERE view = ? AND entity_key = ?').pluck();
  }

  async write(view: string, features: readonly string[], rows: readonly OnlineRow[]): Promise<number> {
    return this.db.transaction(() => {
      let changed = 0;
      for (const row of rows) changed += this.upsert.run(view, row.entityKey, row.time, encodeOnline(features, row)).changes;
      return changed;
    }).immediate();
  }

  async read(view: string, features: readonly string[], keys: readonly string[]): Promise<(OnlineValues | null)[]> {
    return keys.map((k) => {
      const doc = this.get.get(view, k) as string | undefined;
      return doc === undefined ? null : decodeOnline(doc, features);
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
