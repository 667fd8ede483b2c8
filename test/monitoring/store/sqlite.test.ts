import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteMonitoringStore } from '../../../src/monitoring/store/sqlite/open-monitoring-store.js';
import { monitoringStoreContract } from './monitoring-store-contract.js';

monitoringStoreContract('SQLite (temp file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-monitoring-'));
  const file = join(dir, 'monitoring.sqlite');
  return {
    store: openSqliteMonitoringStore(file),
    reopen: async () => openSqliteMonitoringStore(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
