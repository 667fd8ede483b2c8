import type pg from 'pg';
import { loadPg } from '../../../core/lazy-pg.js';
import { InputError } from '../../../core/errors.js';

/**
 * The monitoring store's own pool on the registry's PostgreSQL database and schema. Monitoring may
 * not import the registry (house rules), so this repeats the few lines of registry/postgres/connection.ts;
 * a pool of its own also means log appends never queue behind registry queries for a connection.
 */
export interface PgMonitoringOptions {
  /** postgres://user@host:port/db */
  readonly url: string;
  /** Schema holding the `mon_*` tables (created if missing). */
  readonly schema: string;
  /** Pool size. Default 4: one writer, readers beside it. */
  readonly maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkMonitoringSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new InputError('bad-pg-schema', `PostgreSQL schema "${String(schema)}" is not allowed for the monitoring store: use lower-case letters, digits and "_"`,
      { schema: String(schema) }, 'Pass the registry schema, e.g. --registry-schema lading.');
  }
  return schema;
}

/** A pool whose every connection works in `schema` (search_path set at connect time). */
export function openMonitoringPool(options: PgMonitoringOptions): pg.Pool {
  const schema = checkMonitoringSchemaName(options.schema);
  return new (loadPg().Pool)({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    options: `-c search_path=${schema}`,
    application_name: 'lading-monitoring',
  });
}

/** Runs `fn` in one transaction on one pooled connection; rolls back on any throw. */
export async function inMonitoringTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    // A connection that cannot even roll back is dead (the server restarted): release(error) takes
    // it out of the pool; released as healthy, every later transaction drawing it would fail.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => { broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)); });
    throw e;
  } finally {
    client.release(broken);
  }
}
