import type Database from 'better-sqlite3';
import { ConflictError } from '../../../core/errors.js';
import { sha256Hex } from '../../../core/hash.js';
import type { MonitoringMigration } from './migrations.js';

/**
 * Applies the migrations not yet applied, each in its own immediate transaction (two processes
 * opening a fresh file at once do not both apply one), after checking that the applied ones are
 * exactly the ones this code knows. Same scheme as the registry's database (registry/sqlite/migrate.ts),
 * kept separate because monitoring may not import the registry and this is a file of its own.
 */
export function migrateMonitoringSqlite(db: Database.Database, file: string, migrations: readonly MonitoringMigration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS mon_schema_migrations (version INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const applied = (): Map<number, string> => new Map(
    (db.prepare('SELECT version, sha256 FROM mon_schema_migrations').all() as { version: number; sha256: string }[]).map((r) => [r.version, r.sha256]),
  );
  for (const [version, sha] of applied()) {
    const migration = migrations.find((m) => m.version === version);
    if (migration === undefined) {
      throw new ConflictError('monitoring-store-too-new', `${file} has monitoring schema migration ${version}, which this lading does not know: it was written by a newer version`,
        { file, migration: version }, 'Upgrade lading, or point monitoring at another file.');
    }
    if (sha256Hex(migration.sql) !== sha) {
      throw new ConflictError('migration-changed', `${file}: monitoring schema migration ${version} differs from the one applied to this file`,
        { file, migration: version }, 'Migrations are append-only; restore the original and add a new one.');
    }
  }
  for (const migration of migrations) {
    db.transaction(() => {
      if (applied().has(migration.version)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO mon_schema_migrations (version, sha256, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, sha256Hex(migration.sql), new Date().toISOString());
    }).immediate();
  }
}
