import { test } from 'node:test';
import { pgBackend } from '../models/backends.js';
import { deploymentStoreContract, workspaceStore } from './contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('deployment store contract: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
  process.stdout.write('# skipped PostgreSQL deployment store contract: LADING_TEST_PG_URL is not set\n');
} else {
  deploymentStoreContract('PostgreSQL (fresh schema per test)', workspaceStore(() => pgBackend(url)));
}
