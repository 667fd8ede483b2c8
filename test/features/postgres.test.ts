import { test } from 'node:test';
import { openPgOfflineStore } from '../../src/features/postgres/offline-store.js';
import { pgBackend } from '../registry/models/backends.js';
import { offlineStoreContract } from './offline-store-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('offline feature store on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  offlineStoreContract('PostgreSQL (fresh schema per test)', async () => {
    const backend = pgBackend(url);
    return { store: await openPgOfflineStore({ url, schema: backend.spec.kind === 'pg' ? backend.spec.schema : 'public' }), cleanup: backend.cleanup };
  });
}
