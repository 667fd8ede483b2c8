import type { Migration } from '../../registry/sqlite/migrations.js';

/**
 * The offline store's fixed tables; each view's history is a table of its own (fv_<view>, created
 * and widened by apply), keyed (entity id, time, ingest order) WITHOUT ROWID so that a scan in that
 * order, which every point-in-time join is, reads the table front to back.
 */
export const FEATURE_MIGRATIONS_SQLITE: readonly Migration[] = [{
  version: 1,
  sql: `
    CREATE TABLE fs_views (
      name TEXT NOT NULL, version INTEGER NOT NULL, spec TEXT NOT NULL, sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL, created_by TEXT NOT NULL, reason TEXT, PRIMARY KEY (name, version)
    );
    CREATE TABLE fs_entities (entity TEXT NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (entity, key), UNIQUE (entity, id));
    CREATE TABLE fs_sequence (view TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
    CREATE TABLE fs_audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
      view TEXT NOT NULL, version INTEGER NOT NULL, detail TEXT NOT NULL
    );
  `,
}];

export const SQLITE_TYPES = { string: 'TEXT', int: 'INTEGER', float: 'REAL', bool: 'INTEGER' } as const;
