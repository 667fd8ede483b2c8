import type pg from 'pg';
import { ConflictError } from '../../../core/errors.js';
import { sha256Hex } from '../../../core/hash.js';
import { checkMonitoringSchemaName } from './connection.js';
import type { PgMonitoringMigration } from './migrations.js';

/** pg_advisory_lock class for monitoring migrations; the registry's is 0x1ad1, so the two never wait on each other. */
const LOCK_CLASS = 0x1ad2;

/**
 * Applies the monitoring migrations not yet applied, each in its own transaction, under a
 * session-level advisory lock keyed by schema: a serve process and its writer thread (or two
 * machines) opening a fresh schema at once queue instead of both running CREATE TABLE. The applied
 * ones are checked first against the ones this code knows (version and sha256), as the SQLite
 * adapter does. Its own table (mon_schema_migrations): the registry's schema_migrations numbers
 * the registry's steps, and monitoring may not import the registry.
 */
export interface MigrationLedger {
  /** The table numbering the part's migrations (letters and _). */
  readonly table: string;
  /** What errors call the part ("monitoring", "review"). */
  readonly part: string;
}

/** Also used by the review queue (its own ledger, rev_schema_migrations), which keeps its tables beside monitoring's. */
export async function migrateMonitoringPg(pool: pg.Pool, schema: string, where: string, migrations: readonly PgMonitoringMigration[],
  ledger: MigrationLedger = { table: 'mon_schema_migrations', part: 'monitoring' }): Promise<void> {
  if (!/^[a-z_]+$/.test(ledger.table)) throw new RangeError(`migrateMonitoringPg: bad ledger table ${ledger.table}`);
  const { table, part } = ledger;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkMonitoringSchemaName(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const applied = new Map((await client.query<{ version: number; sha256: string }>(`SELECT version, sha256 FROM ${table}`))
        .rows.map((r) => [r.version, r.sha256]));
      for (const [version, sha] of applied) {
        const migration = migrations.find((m) => m.version === version);
        if (migration === undefined) {
          throw new ConflictError(`${part}-store-too-new`, `${where} has ${part} schema migration ${version}, which this lading does not know: it was written by a newer version`,
            { where, migration: version }, `Upgrade lading, or point ${part} at another schema.`);
        }
        if (sha256Hex(migration.sql) !== sha) {
          throw new ConflictError('migration-changed', `${where}: ${part} schema migration ${version} differs from the one applied to this schema`,
            { where, migration: version }, 'Migrations are append-only; restore the original and add a new one.');
        }
      }
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${table} (version, sha256) VALUES ($1, $2)`, [m.version, sha256Hex(m.sql)]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
