import { sqliteBackend, openFromSpec } from '../registry/models/backends.js';
import { releaseControlContract } from './release-control-contract.js';
import { rollbackWalkContract } from './rollback-walk-contract.js';

releaseControlContract('SQLite (temp folder)', sqliteBackend);
rollbackWalkContract('SQLite (temp folder)', async () => {
  const backend = sqliteBackend();
  const ws = await openFromSpec(backend.spec);
  return { store: ws.deployments, close: async () => { ws.close(); await backend.cleanup(); } };
});
