import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteOnlineStore } from '../../src/features/sqlite/online-store.js';
import { onlineStoreContract } from './online-store-contract.js';

onlineStoreContract('SQLite (a fresh file per test)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-online-'));
  return { store: openSqliteOnlineStore(join(dir, 'online.sqlite')), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
