import { test } from 'node:test';
import { openFromSpec, pgBackend } from '../models/backends.js';
import { artifactStoreContract } from './artifact-store-contract.js';

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const url = process.env['LADING_TEST_PG_URL'];
if (url === undefined || url === '') {
  test('ArtifactStore contract: PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' }, () => undefined);
} else {
  artifactStoreContract('PostgreSQL (fresh schema per test)', async (t) => {
    const backend = pgBackend(url);
    const ws = await openFromSpec(backend.spec);
    t.after(async () => { ws.close(); await backend.cleanup(); });
    return {
      store: ws.artifacts,
      corrupt: (sha256, bytes) => backend.rawExec(`UPDATE artifacts SET bytes = '\\x${Buffer.from(bytes).toString('hex')}' WHERE sha256 = '${sha256}'`),
    };
  });
}
