import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteOfflineStore } from '../../src/features/sqlite/offline-store.js';
import { offlineStoreContract } from './offline-store-contract.js';

offlineStoreContract('SQLite (a fresh file per test)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-features-'));
  return { store: openSqliteOfflineStore(join(dir, 'features.sqlite')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
