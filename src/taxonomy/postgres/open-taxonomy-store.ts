import type { TaxonomyStore } from '../taxonomy-store.js';
import { openTaxonomyPool } from './connection.js';
import { PgTaxonomyStore } from './taxonomy-store.js';

/** The shared taxonomy store: tax_* tables in the registry's PostgreSQL schema, migrated on open. */
export async function openPgTaxonomyStore(options: { readonly url: string; readonly schema: string }): Promise<TaxonomyStore> {
  return new PgTaxonomyStore(await openTaxonomyPool(options));
}
