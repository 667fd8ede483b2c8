import type { Migration } from '../../registry/sqlite/migrations.js';
import { TAXONOMY_TABLES_SQLITE } from './taxonomy-schema.js';

/** The taxonomy store's SQLite migrations, in their own ledger (tax_schema_migrations). Append-only. */
export const TAXONOMY_MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: TAXONOMY_TABLES_SQLITE },
];

export const TAXONOMY_LEDGER = 'tax_schema_migrations';
