import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TaxonomyStore } from '../taxonomy-store.js';
import { openTaxonomyDatabase } from './connection.js';
import { SqliteTaxonomyStore } from './taxonomy-store.js';

/** The embedded taxonomy store: tax_* tables in `<home>/lading.db`, created and migrated on first open. */
export function openSqliteTaxonomyStore(home: string): TaxonomyStore {
  mkdirSync(home, { recursive: true });
  return new SqliteTaxonomyStore(openTaxonomyDatabase(join(home, 'lading.db')));
}
