import type Database from 'better-sqlite3';
import { ConflictError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import type { Migration } from './migrations.js';

/**
 * Applies the migrations not yet applied, each in its own immediate transaction (so two processes
 * opening a fresh workspace at once do not both apply one), after checking that the applied ones
 * are exactly the ones this code knows. `ledger` names the table that records them: another part
 * keeping its own tables in the same file (the taxonomy store's `tax_schema_migrations`) numbers its
 * own steps there.
 */
export function migrateSqlite(db: Database.Database, file: string, migrations: readonly Migration[], ledger = 'schema_migrations'): void {
  if (!/^[a-z_]+$/.test(ledger)) throw new TypeError(`bad migration ledger table name ${ledger}`);
  db.exec(`CREATE TABLE IF NOT EXISTS ${ledger} (version INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const applied = (): Map<number, string> => new Map(
    (db.prepare(`SELECT version, sha256 FROM ${ledger}`).all() as { version: number; sha256: string }[]).map((r) => [r.version, r.sha256]),
  );
  const known = new Set(migrations.map((m) => m.version));
  for (const [version, sha] of applied()) {
    const migration = migrations.find((m) => m.version === version);
    if (!known.has(version)) {
      throw new ConflictError('workspace-too-new', `${file} has schema migration ${version}, which this lading does not know: it was written by a newer version`,
        { file, migration: version }, 'Upgrade lading, or use another --home.');
    }
    if (migration !== undefined && sha256Hex(migration.sql) !== sha) {
      throw new ConflictError('migration-changed', `${file}: schema migration ${version} differs from the one applied to this workspace`,
        { file, migration: version }, 'Migrations are append-only; restore the original and add a new one.');
    }
  }
  for (const migration of migrations) {
    db.transaction(() => {
      if (applied().has(migration.version)) return;
      db.exec(migration.sql);
      db.prepare(`INSERT INTO ${ledger} (version, sha256, applied_at) VALUES (?, ?, ?)`)
        .run(migration.version, sha256Hex(migration.sql), new Date().toISOString());
    }).immediate();
  }
}
