import type { PgMigration } from '../../registry/postgres/migrate.js';
import { TAXONOMY_TABLES_PG } from './taxonomy-schema.js';

/** The taxonomy store's PostgreSQL migrations, in their own ledger (tax_schema_migrations). Append-only. */
export const PG_TAXONOMY_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, name: 'taxonomies', sql: TAXONOMY_TABLES_PG },
];

export const PG_TAXONOMY_LEDGER = 'tax_schema_migrations';