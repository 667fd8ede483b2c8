import pg from 'pg';
import { checkMonitoringSchemaName } from '../../monitoring/store/postgres/connection.js';
import { ConflictError } from '../../core/errors.js';
import { REVIEW_MIGRATIONS_PG } from './review-schema.js';

/** pg_advisory_lock class for review migrations (the registry's is 0x1ad1, monitoring's 0x1ad2). */
const LOCK_CLASS = 0x1ad3;

/** A pool of its own whose every connection works in `schema` (the registry's; same name rules as monitoring's). */
export function openReviewPool(url: string, schema: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${checkMonitoringSchemaName(schema)}`, application_name: 'lading-review' });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Applies the review migrations not yet applied, under a session advisory lock keyed by schema, so
 * two processes opening a fresh schema at once queue instead of both running CREATE TABLE.
 */
export async function migrateReviewPg(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${checkMonitoringSchemaName(schema)}`);
      await client.query('CREATE TABLE IF NOT EXISTS rev_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const last = Number((await client.query<{ v: number | null }>('SELECT max(version) AS v FROM rev_schema_migrations')).rows[0]?.v ?? 0);
      if (last > REVIEW_MIGRATIONS_PG.length) {
        throw new ConflictError('review-store-too-new', `schema ${schema} has review schema version ${last}, which this lading does not know: it was written by a newer version`,
          { schema, version: last }, 'Upgrade lading, or point it at another schema.');
      }
      for (let v = last + 1; v <= REVIEW_MIGRATIONS_PG.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(REVIEW_MIGRATIONS_PG[v - 1]!);
          await client.query('INSERT INTO rev_schema_migrations (version) VALUES ($1)', [v]);
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
