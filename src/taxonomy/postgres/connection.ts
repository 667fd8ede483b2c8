import type pg from 'pg';
import { checkSchemaName, openPgPool } from '../../registry/postgres/connection.js';
import { migratePg } from '../../registry/postgres/migrate.js';
import { PG_TAXONOMY_LEDGER, PG_TAXONOMY_MIGRATIONS } from './migrations.js';

/**
 * A small pool of the taxonomy store's own on the registry's database and schema, with the tax_*
 * tables migrated (numbered in their own ledger, under the registry's advisory lock). Two connections: writes are rare.
 */
export async function openTaxonomyPool(options: { readonly url: string; readonly schema: string }): Promise<pg.Pool> {
  const schema = checkSchemaName(options.schema);
  const pool = openPgPool({ url: options.url, schema, maxConnections: 2 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await migratePg(pool, schema, PG_TAXONOMY_MIGRATIONS, PG_TAXONOMY_LEDGER);
    return pool;
  } catch (e) {
    await pool.end();
    throw e;
  }
}
