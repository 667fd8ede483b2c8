import { it } from 'node:test';
import pg from 'pg';
import { computeDatasetStats } from '../../../src/data/dataset-stats.js';
import { openPgWorkspace } from '../../../src/registry/postgres/open-workspace.js';
import { datasetRegistryContract } from './dataset-registry-contract.js';

const url = process.env['LADING_TEST_PG_URL'];

if (url === undefined || url === '') {
  it('dataset registry contract on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' }, () => undefined);
} else {
  datasetRegistryContract('postgres', async (t) => {
    // A fresh schema per test, dropped afterwards, so parallel runs never collide.
    const schema = `lading_ds_test_${Math.random().toString(36).slice(2, 10)}_${process.pid}`;
    const open = () => openPgWorkspace({ url, schema, describeDataset: (rows) => computeDatasetStats(rows) });
    const registry = await open();
    t.after(async () => {
      registry.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await c.end(); }
    });
    return { registry, reopen: open };
  });
}
