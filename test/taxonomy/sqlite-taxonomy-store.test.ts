import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { computeDatasetStats } from '../../src/data/dataset-stats.js';
import { openSqliteWorkspace } from '../../src/registry/sqlite/open-workspace.js';
import { openSqliteTaxonomyStore } from '../../src/taxonomy/sqlite/open-taxonomy-store.js';
import { taxonomyStoreContract } from './taxonomy-store-contract.js';

taxonomyStoreContract('sqlite', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lading-tax-'));
  const store = openSqliteTaxonomyStore(home);
  t.after(async () => { await store.close(); rmSync(home, { recursive: true, force: true }); });
  return { store, reopen: async () => openSqliteTaxonomyStore(home) };
});

it('sqlite: the taxonomy tables sit in lading.db beside the registry, each numbered by its own ledger', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lading-tax-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const store = openSqliteTaxonomyStore(home);
  await store.importTaxonomy('x', { parentLevels: [], codes: [{ code: 'a', description: 'A', parents: [] }] }, { actor: 'ana', source: 'x.csv' });
  await store.close();
  // The registry opens the same file afterwards without tripping over the tax_ migrations.
  openSqliteWorkspace(home, { describeDataset: computeDatasetStats }).close();
  const db = new Database(join(home, 'lading.db'), { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT version FROM tax_schema_migrations').pluck().all(), [1]);
    assert.ok((db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get() as number) >= 3);
  } finally {
    db.close();
  }
});
