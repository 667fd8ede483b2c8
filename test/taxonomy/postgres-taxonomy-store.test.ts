import { it } from 'node:test';
import pg from 'pg';
import { openPgTaxonomyStore } from '../../src/taxonomy/postgres/open-taxonomy-store.js';
import { taxonomyStoreContract } from './taxonomy-store-contract.js';

const url = process.env['LADING_TEST_PG_URL'];

if (url === undefined || url === '') {
  it('taxonomy store contract on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' }, () => undefined);
} else {
  taxonomyStoreContract('postgres', async (t) => {
    // A fresh schema per test, dropped afterwards, so parallel runs never collide.
    const schema = `lading_tax_test_${Math.random().toString(36).slice(2, 10)}_${process.pid}`;
    const open = () => openPgTaxonomyStore({ url, schema });
    const store = await open();
    t.after(async () => {
      await store.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await c.end(); }
    });
    return { store, reopen: open };
  });
}
