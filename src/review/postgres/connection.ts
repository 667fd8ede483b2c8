import type pg from 'pg';
import { loadPg } from '../../core/lazy-pg.js';
import { checkMonitoringSchemaName } from '../../monitoring/store/postgres/connection.js';
import { migrateMonitoringPg } from '../../monitoring/store/postgres/migrate.js';
import { REVIEW_MIGRATIONS_PG } from './review-schema.js';

/** A pool of its own whose every connection works in `schema` (the registry's; same name rules as monitoring's). */
export function openReviewPool(url: string, schema: string): pg.Pool {
  const pool = new (loadPg().Pool)({ connectionString: url, max: 4, options: `-c search_path=${checkMonitoringSchemaName(schema)}`, application_name: 'lading-review' });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // A pooled client whose connection the server ends (restart, failover) can emit 'error' while no
  // query or pool listener holds it, which would end the process: swallow it here; the next query
  // on that client fails on its own and the pool replaces it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Applies the review migrations not yet applied, with monitoring's migrator (advisory lock per
 * schema, applied ones checked by sha256) and a ledger of the review queue's own.
 */
export async function migrateReviewPg(pool: pg.Pool, schema: string): Promise<void> {
  await migrateMonitoringPg(pool, schema, `schema ${schema}`, REVIEW_MIGRATIONS_PG.map((sql, i) => ({ version: i + 1, sql })),
    { table: 'rev_schema_migrations', part: 'review' });
}
