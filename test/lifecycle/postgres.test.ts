import { test } from 'node:test';
import { openFromSpec, pgBackend } from '../registry/models/backends.js';
import { releaseControlContract } from './release-control-contract.js';
import { rollbackWalkContract } from './rollback-walk-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('release control on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  releaseControlContract('PostgreSQL (fresh schema per test)', () => pgBackend(url));
  rollbackWalkContract('PostgreSQL (fresh schema per test)', async () => {
    const backend = pgBackend(url);
    const ws = await openFromSpec(backend.spec);
    return { store: ws.deployments, close: async () => { ws.close(); await backend.cleanup(); } };
  });
}
