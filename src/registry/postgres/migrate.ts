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
 * separate schemas (test runs) do not wait for each other. Another part keeping its own tables in the
 * schema (the taxonomy store) passes its own ledger table and lock class, so the numbering and the
 * lock are its own.
 */
export async function migratePg(pool: pg.Pool, schema: string, migrations: readonly PgMigration[],
  options: { readonly ledger?: string; readonly lockClass?: number } = {}): Promise<number[]> {
  const ledger = options.ledger ?? 'schema_migrations';
  const lockClass = options.lockClass ?? LOCK_CLASS;
  if (!/^[a-z_]+$/.test(ledger)) throw new TypeError(`bad migration ledger table name ${ledger}`);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [lockClass, schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkSchemaName(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${ledger} (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${ledger}`)).rows.map((r) => r.version));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${ledger} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockClass, schema]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}
