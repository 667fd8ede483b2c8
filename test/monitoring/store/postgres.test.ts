import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { openPgMonitoringStore } from '../../../src/monitoring/store/postgres/open-monitoring-store.js';
import { monitoringStoreContract } from './monitoring-store-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('monitoring store contract: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  // A fresh schema per store under test (mon_test_<random>), dropped by cleanup, so parallel runs never collide.
  monitoringStoreContract('PostgreSQL (fresh schema)', async () => {
    const schema = `mon_test_${randomBytes(5).toString('hex')}`;
    return {
      store: await openPgMonitoringStore({ url, schema }),
      reopen: () => openPgMonitoringStore({ url, schema }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  });
}
