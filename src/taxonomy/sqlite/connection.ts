import type Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../registry/sqlite/connection.js';
import { TAXONOMY_LEDGER, TAXONOMY_MIGRATIONS } from './migrations.js';

/**
 * Opens the workspace database (`<home>/lading.db`) with a connection of the taxonomy store's own and
 * brings the tax_* tables up to date (their own ledger, tax_schema_migrations). The same file as the
 * registry: taxonomies are registry-like metadata (rare writes), backed up and shared with it.
 */
export function openTaxonomyDatabase(file: string): Database.Database {
  const db = openSqliteDatabase(file, TAXONOMY_MIGRATIONS, TAXONOMY_LEDGER);
  db.pragma('busy_timeout = 10000');
  return db;
}
