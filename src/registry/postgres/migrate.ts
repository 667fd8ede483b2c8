import type pg from 'pg';
import { checkSchemaName } from './connection.js';

export interface PgMigration {
  /** 1, 2, 3...: applied in order, never edited once released; new changes get a new number. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Two 32-bit keys for pg_advisory_lock: lading's migrations, per schema. */
const LOCK_CLASS = 0x1ad1;

/**
 * Applies the migrations not yet applied, each in its own transaction, holding a session-level
 * advisory lock for the whole run: two processes starting together queue instead of both trying
 * CREATE TABLE (the loser would fail, or worse, half-apply). The lock key includes the schema, so
 * separate schemas (test runs) do not wait for each other.
 */
export async function migratePg(pool: pg.Pool, schema: string, migrations: readonly PgMigration[], table = 'schema_migrations'): Promise<number[]> {
  // Another part's own numbering (e.g. the feature store's fs_schema_migrations) beside the registry's.
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`migratePg: bad migrations table name ${table}`);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkSchemaName(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}
