import type pg from 'pg';
import { loadPg } from '../../core/lazy-pg.js';
import { InputError } from '../../core/errors.js';

export interface PgConnectionOptions {
  /** postgres://user@host:port/db */
  readonly url: string;
  /** Schema holding lading's tables (created if missing). Default `public`. */
  readonly schema?: string;
  /** Pool size. Default 4. */
  readonly maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new InputError('bad-pg-schema', `PostgreSQL schema "${schema}" is not allowed: use lower-case letters, digits and "_"`, { schema });
  }
  return schema;
}

/** A pool whose every connection works in `schema` (search_path set at connect time). */
export function openPgPool(options: PgConnectionOptions): pg.Pool {
  const schema = checkSchemaName(options.schema ?? 'public');
  const pool = new (loadPg().Pool)({
    connectionString: options.url,
    max: options.maxConnections ?? 4,
    options: `-c search_path=${schema}`,
    application_name: 'lading',
  });
  // An idle connection that PostgreSQL closes (a restart, a failover) is an 'error' event on the
  // pool, which without a listener ends the process: every server and worker of the multi-node run
  // died when PostgreSQL restarted (npm run cluster). The pool drops that client; the next query
  // opens a new connection, and a query made while the server is down fails on its own.
  pool.on('error', () => undefined);
  // A pooled client whose connection the server ends (restart, failover) can emit 'error' while no
  // query or pool listener holds it, which would end the process: swallow it here; the next query
  // on that client fails on its own and the pool replaces it (test/registry/pg-connections-closed).
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `fn` in one transaction on one pooled connection; rolls back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
